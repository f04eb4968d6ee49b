package components

import (
	"strconv"
)

// BarChart is the plain data of a grouped bar chart: one group of bars per
// category along the x axis (days, say), one bar per series in each group.
// BarChartView draws it as SVG on the server; no script is involved.
type BarChart struct {
	// ID prefixes the ids of the chart's parts; unique on the page.
	ID    string
	Title string
	// Summary is the text alternative: a sentence or two saying what the
	// chart shows, read instead of the picture.
	Summary string
	XLabel  string
	YLabel  string
	// Categories are the short labels under the x axis ("3 Nov").
	Categories []string
	// CategoryNames are the long names the data table uses ("Tue 3 Nov
	// 2026"); empty means Categories.
	CategoryNames []string
	// LabelEvery labels only every nth category under the axis, so that the
	// labels never overlap; 0 picks a step from the number of categories.
	LabelEvery int
	// Series are drawn in order, each in its own colour (at most four).
	Series []ChartSeries
}

// ChartSeries is one named series: a value per category.
type ChartSeries struct {
	Name   string
	Values []int
}

// The drawing's coordinate system: the SVG scales to its container.
const (
	chartWidth        = 720
	chartHeight       = 300
	chartMarginLeft   = 56
	chartMarginRight  = 12
	chartMarginTop    = 16
	chartMarginBottom = 60
)

// chartGeometry is a BarChart laid out, every number already formatted.
type chartGeometry struct {
	ViewBox                                string
	Left, Right, Top, Bottom               string
	Bars                                   []chartBar
	YTicks                                 []chartTick
	XTicks                                 []chartTick
	XLabelX, XLabelY, YLabelX, YLabelY     string
	YLabelTransform                        string
	TickLabelX, XTickLabelY, XTickMarkEndY string
}

type chartBar struct {
	X, Y, W, H string
	// Series is the series' 1-based position, for its colour class.
	Series int
	Label  string
}

type chartTick struct {
	// At is the tick's y (value ticks) or x (category ticks).
	At    string
	Label string
}

// seriesClass is the colour class of the nth series (1-based).
func seriesClass(n int) string {
	return "chart-series-" + strconv.Itoa((n-1)%4+1)
}

// categoryName is the long name of category i.
func (c BarChart) categoryName(i int) string {
	if i < len(c.CategoryNames) {
		return c.CategoryNames[i]
	}
	return c.Categories[i]
}

// value is series s's value at category i (0 when missing).
func (c BarChart) value(s ChartSeries, i int) int {
	if i < len(s.Values) {
		return s.Values[i]
	}
	return 0
}

// maxValue is the largest value of any series.
func (c BarChart) maxValue() int {
	m := 0
	for _, s := range c.Series {
		for _, v := range s.Values {
			m = max(m, v)
		}
	}
	return m
}

// niceScale is the top of the y axis and the step between its ticks: a
// step of 1, 2 or 5 times a power of ten giving at most five steps, and a
// top that is a whole number of steps at or above max.
func niceScale(maxValue int) (top, step int) {
	if maxValue <= 0 {
		return 1, 1
	}
	for magnitude := 1; ; magnitude *= 10 {
		for _, m := range []int{1, 2, 5} {
			step = m * magnitude
			if steps := (maxValue + step - 1) / step; steps <= 5 {
				return steps * step, step
			}
		}
	}
}

// layout places every bar, tick and label.
func (c BarChart) layout() chartGeometry {
	left, right := float64(chartMarginLeft), float64(chartWidth-chartMarginRight)
	top, bottom := float64(chartMarginTop), float64(chartHeight-chartMarginBottom)
	plotW, plotH := right-left, bottom-top
	g := chartGeometry{
		ViewBox: "0 0 " + strconv.Itoa(chartWidth) + " " + strconv.Itoa(chartHeight),
		Left:    num(left), Right: num(right), Top: num(top), Bottom: num(bottom),
		XLabelX: num(left + plotW/2), XLabelY: num(chartHeight - 8),
		YLabelX: "16", YLabelY: num(top + plotH/2),
		TickLabelX: num(left - 8), XTickLabelY: num(bottom + 20), XTickMarkEndY: num(bottom + 5),
	}
	g.YLabelTransform = "rotate(-90 " + g.YLabelX + " " + g.YLabelY + ")"
	yTop, step := niceScale(c.maxValue())
	for v := 0; v <= yTop; v += step {
		g.YTicks = append(g.YTicks, chartTick{At: num(bottom - float64(v)/float64(yTop)*plotH), Label: strconv.Itoa(v)})
	}
	n := len(c.Categories)
	if n == 0 || len(c.Series) == 0 {
		return g
	}
	groupW := plotW / float64(n)
	barW := groupW * 0.8 / float64(len(c.Series))
	every := c.LabelEvery
	if every <= 0 {
		every = max(1, (n+9)/10)
	}
	for i := range n {
		groupX := left + float64(i)*groupW
		// Label from the newest category backwards, so the last one (today,
		// say) always has its label.
		if (n-1-i)%every == 0 {
			g.XTicks = append(g.XTicks, chartTick{At: num(groupX + groupW/2), Label: c.Categories[i]})
		}
		for j, s := range c.Series {
			v := c.value(s, i)
			h := float64(v) / float64(yTop) * plotH
			if v > 0 && h < 2 {
				h = 2
			}
			g.Bars = append(g.Bars, chartBar{
				X: num(groupX + groupW*0.1 + float64(j)*barW), Y: num(bottom - h), W: num(barW), H: num(h),
				Series: j + 1, Label: c.categoryName(i) + " · " + s.Name + ": " + strconv.Itoa(v),
			})
		}
	}
	return g
}

// num formats a coordinate with at most two decimals.
func num(f float64) string {
	return strconv.FormatFloat(float64(int64(f*100+0.5))/100, 'f', -1, 64)
}
