package components

import (
	"strconv"
	"time"
)

// TimeAgo is how long before now t was, in the words a person would use:
// "just now", "5 minutes ago", "1 day ago", "3 months ago". A zero t is
// "never" (an app that has not used its access yet). A t in the future, as
// a clock a little ahead would give, is "just now" rather than a puzzle.
// It rounds down, so "1 hour ago" covers 60 to 119 minutes.
func TimeAgo(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	const day = 24 * time.Hour
	switch {
	case d < 10*time.Second:
		return "just now"
	case d < time.Minute:
		return ago(int(d/time.Second), "second")
	case d < time.Hour:
		return ago(int(d/time.Minute), "minute")
	case d < day:
		return ago(int(d/time.Hour), "hour")
	}
	days := int(d / day)
	switch {
	case days < 14:
		return ago(days, "day")
	case days < 30:
		return ago(days/7, "week")
	case days < 365:
		// 360 to 364 days are still "11 months", never "12 months".
		return ago(min(days/30, 11), "month")
	}
	return ago(days/365, "year")
}

// ago is "1 minute ago" or "5 minutes ago".
func ago(n int, unit string) string {
	if n != 1 {
		unit += "s"
	}
	return strconv.Itoa(n) + " " + unit + " ago"
}

// ExactTime is the full date and time, for the tooltip of a relative time:
// "9 May 2026 at 14:05 UTC", in the time zone t carries.
func ExactTime(t time.Time) string {
	return t.Format("2 January 2006 at 15:04 MST")
}

// MachineTime is t as a <time datetime> value (RFC 3339).
func MachineTime(t time.Time) string {
	return t.Format(time.RFC3339)
}
