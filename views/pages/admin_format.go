package pages

import (
	"strconv"
	"strings"
)

// groupThousands writes n with thin separators between thousands
// (1,234,567), as totals read best.
func groupThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// eventCount is "1 event" or "1,234 events".
func eventCount(n int64) string {
	if n == 1 {
		return "1 event"
	}
	return groupThousands(n) + " events"
}
