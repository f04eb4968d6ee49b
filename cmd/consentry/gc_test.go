package main

import (
	"runtime/debug"
	"testing"
)

func TestApplyServerGC(t *testing.T) {
	before := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(before) })
	for _, tc := range []struct {
		gogc    string
		applied bool
		want    int
	}{
		{"", true, serverGCPercent},
		{"100", false, 100},
		{"off", false, 100},
	} {
		debug.SetGCPercent(100)
		if got := applyServerGC(tc.gogc); got != tc.applied {
			t.Errorf("applyServerGC(%q) = %v, want %v", tc.gogc, got, tc.applied)
		}
		if got := debug.SetGCPercent(100); got != tc.want {
			t.Errorf("GOGC=%q: GC percent %d, want %d", tc.gogc, got, tc.want)
		}
	}
}
