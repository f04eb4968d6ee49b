package components

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var niceScaleCases = []struct {
	max, top, step int
}{
	{0, 1, 1},
	{1, 1, 1},
	{4, 4, 1},
	{5, 5, 1},
	{6, 6, 2},
	{9, 10, 2},
	{10, 10, 2},
	{11, 15, 5},
	{23, 25, 5},
	{26, 30, 10},
	{99, 100, 20},
	{1234, 1500, 500},
}

func TestNiceScale(t *testing.T) {
	for _, tt := range niceScaleCases {
		top, step := niceScale(tt.max)
		if top != tt.top || step != tt.step {
			t.Errorf("niceScale(%d) = %d, %d; want %d, %d", tt.max, top, step, tt.top, tt.step)
		}
		if top < tt.max || top/step > 5 || top%step != 0 {
			t.Errorf("niceScale(%d) = %d, %d: not a whole number of at most 5 steps covering the maximum", tt.max, top, step)
		}
	}
}

func sampleChart() BarChart {
	return BarChart{
		ID: "activity", Title: "Grants per day", Summary: "5 created and 2 revoked.",
		XLabel: "Day", YLabel: "Grants",
		Categories:    []string{"1 Nov", "2 Nov", "3 Nov", "4 Nov"},
		CategoryNames: []string{"Sun 1 Nov", "Mon 2 Nov", "Tue 3 Nov", "Wed 4 Nov"},
		LabelEvery:    2,
		Series: []ChartSeries{
			{Name: "Created", Values: []int{4, 0, 1, 0}},
			{Name: "Revoked", Values: []int{0, 2, 0}},
		},
	}
}

func TestBarChartLayout(t *testing.T) {
	g := sampleChart().layout()
	if len(g.Bars) != 8 {
		t.Fatalf("got %d bars, want one per category and series (8)", len(g.Bars))
	}
	height := func(i int) float64 {
		h, err := strconv.ParseFloat(g.Bars[i].H, 64)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	// The scale tops out at 4: the tallest bar fills the plot, a bar of 1
	// is a quarter of it, a zero is flat, and a missing value counts as 0.
	plot := float64(chartHeight - chartMarginTop - chartMarginBottom)
	for i, want := range map[int]float64{0: plot, 4: plot / 4, 2: 0, 3: plot / 2, 7: 0} {
		if got := height(i); got < want-0.01 || got > want+0.01 {
			t.Errorf("bar %d (%s) height = %v, want %v", i, g.Bars[i].Label, got, want)
		}
	}
	if g.Bars[1].Label != "Sun 1 Nov · Revoked: 0" || g.Bars[1].Series != 2 {
		t.Errorf("bar 1 = %+v, want the first day's Revoked bar", g.Bars[1])
	}
	var labels []string
	for _, tick := range g.XTicks {
		labels = append(labels, tick.Label)
	}
	if got := strings.Join(labels, ","); got != "2 Nov,4 Nov" {
		t.Errorf("x labels = %s, want every second day ending with the last", got)
	}
	var yLabels []string
	for _, tick := range g.YTicks {
		yLabels = append(yLabels, tick.Label)
	}
	if got := strings.Join(yLabels, ","); got != "0,1,2,3,4" {
		t.Errorf("y ticks = %s", got)
	}
}

func TestBarChartTinyValuesStayVisible(t *testing.T) {
	c := BarChart{ID: "x", Categories: []string{"a", "b"}, Series: []ChartSeries{{Name: "n", Values: []int{1000, 1}}}}
	if h, _ := strconv.ParseFloat(c.layout().Bars[1].H, 64); h < 2 {
		t.Errorf("a bar of 1 beside 1000 is %vpx tall, want at least 2 so it shows", h)
	}
}

func TestBarChartViewIsAccessible(t *testing.T) {
	out := renderString(t, BarChartView(sampleChart()))
	for _, want := range []string{
		`<figure class="chart" id="activity">`,
		`role="img" aria-labelledby="activity-title" aria-describedby="activity-summary"`,
		`<title id="activity-title">Grants per day</title>`,
		`<figcaption class="chart-summary" id="activity-summary">5 created and 2 revoked.</figcaption>`,
		`<summary>Show the numbers</summary>`,
		`<th scope="col" class="num">Created</th>`,
		`<th scope="row">Tue 3 Nov</th><td class="num">1</td><td class="num">0</td>`,
		`>Day</text>`, `>Grants</text>`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("chart lacks %s", want)
		}
	}
	if n := strings.Count(out, `<rect class="chart-bar`); n != 8 {
		t.Errorf("%d bars drawn, want 8", n)
	}
	legend := regexp.MustCompile(`(?s)<ul class="chart-legend".*?</ul>`).FindString(out)
	if !strings.Contains(legend, "chart-series-1") || !strings.Contains(legend, ">Created<") || !strings.Contains(legend, ">Revoked<") {
		t.Errorf("legend = %s", legend)
	}
	if strings.Contains(out, "<script") || strings.Contains(out, "style=") {
		t.Error("the chart uses script or inline styles, which the CSP forbids")
	}
}

func TestBarChartEscapesText(t *testing.T) {
	c := sampleChart()
	c.Title, c.Categories[0] = `<script>alert(1)</script>`, `<b>`
	out := renderString(t, BarChartView(c))
	if strings.Contains(out, "<script>") || strings.Contains(out, "<b>") {
		t.Error("chart text is not escaped")
	}
}
