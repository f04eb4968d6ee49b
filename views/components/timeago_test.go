package components

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

var agoNow = time.Date(2026, time.May, 9, 14, 5, 0, 0, time.UTC)

var timeAgoCases = []struct {
	name string
	t    time.Time
	want string
}{
	{"a zero time is never", time.Time{}, "never"},
	{"the same instant is just now", agoNow, "just now"},
	{"a few seconds is just now", agoNow.Add(-9 * time.Second), "just now"},
	{"seconds are counted", agoNow.Add(-45 * time.Second), "45 seconds ago"},
	{"one minute is singular", agoNow.Add(-time.Minute), "1 minute ago"},
	{"minutes round down", agoNow.Add(-(5*time.Minute + 59*time.Second)), "5 minutes ago"},
	{"one hour is singular", agoNow.Add(-61 * time.Minute), "1 hour ago"},
	{"hours are counted", agoNow.Add(-23 * time.Hour), "23 hours ago"},
	{"one day is singular", agoNow.Add(-25 * time.Hour), "1 day ago"},
	{"days are counted", agoNow.AddDate(0, 0, -3), "3 days ago"},
	{"two weeks", agoNow.AddDate(0, 0, -15), "2 weeks ago"},
	{"thirty days is a month", agoNow.AddDate(0, 0, -30), "1 month ago"},
	{"months are counted", agoNow.AddDate(0, 0, -100), "3 months ago"},
	{"just under a year is eleven months", agoNow.AddDate(0, 0, -364), "11 months ago"},
	{"years are counted", agoNow.AddDate(-2, 0, -3), "2 years ago"},
	{"the future is just now", agoNow.Add(3 * time.Minute), "just now"},
}

func TestTimeAgo(t *testing.T) {
	for _, c := range timeAgoCases {
		t.Run(c.name, func(t *testing.T) {
			if got := TimeAgo(c.t, agoNow); got != c.want {
				t.Errorf("TimeAgo(%v) = %q, want %q", c.t, got, c.want)
			}
		})
	}
}

func renderString(t *testing.T, c interface {
	Render(context.Context, io.Writer) error
}) string {
	t.Helper()
	var b bytes.Buffer
	if err := c.Render(context.Background(), &b); err != nil {
		t.Fatalf("render: %v", err)
	}
	return b.String()
}

func TestRelativeTimeShowsTheExactTimeOnHover(t *testing.T) {
	got := renderString(t, RelativeTime(agoNow.Add(-3*time.Hour), agoNow))
	want := `<time datetime="2026-05-09T11:05:00Z" title="9 May 2026 at 11:05 UTC">3 hours ago</time>`
	if got != want {
		t.Errorf("RelativeTime = %s, want %s", got, want)
	}
}

func TestRelativeTimeOfZeroIsNever(t *testing.T) {
	got := renderString(t, RelativeTime(time.Time{}, agoNow))
	if strings.Contains(got, "<time") || !strings.Contains(got, "never") {
		t.Errorf("RelativeTime(zero) = %s, want plain never", got)
	}
}
