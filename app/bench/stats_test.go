package bench

import (
	"testing"
	"time"
)

// ramp is 1 ms, 2 ms, … n ms, shuffled so that summarize has to sort.
func ramp(n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration((i*7919)%n+1) * time.Millisecond
	}
	return out
}

var percentileTests = []struct {
	name     string
	n        int
	perMille int
	want     time.Duration
}{
	{"one sample is every percentile", 1, 990, 1 * time.Millisecond},
	{"median of ten is the fifth", 10, 500, 5 * time.Millisecond},
	{"p99 of ten is the largest", 10, 990, 10 * time.Millisecond},
	{"p99 of a hundred is the 99th, not the 100th", 100, 990, 99 * time.Millisecond},
	{"p50 of a hundred is the 50th", 100, 500, 50 * time.Millisecond},
	{"p99 of a thousand is the 990th", 1000, 990, 990 * time.Millisecond},
	{"p99 of 101 rounds the rank up", 101, 990, 100 * time.Millisecond},
	{"p50 of an odd count is the middle", 7, 500, 4 * time.Millisecond},
	{"p90 of 1000", 1000, 900, 900 * time.Millisecond},
	{"p0 is the smallest", 10, 0, 1 * time.Millisecond},
}

func TestPercentile(t *testing.T) {
	for _, tt := range percentileTests {
		t.Run(tt.name, func(t *testing.T) {
			samples := ramp(tt.n)
			summarize(samples) // sorts
			if got := percentile(samples, tt.perMille); got != tt.want {
				t.Errorf("percentile(%d samples, %d‰) = %v, want %v", tt.n, tt.perMille, got, tt.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	t.Run("no samples is the zero summary", func(t *testing.T) {
		if got := summarize(nil); got != (Latency{}) {
			t.Errorf("summarize(nil) = %+v, want zero", got)
		}
	})
	t.Run("percentiles, max and mean of a shuffled ramp", func(t *testing.T) {
		got := summarize(ramp(200))
		want := Latency{P50: 100 * time.Millisecond, P90: 180 * time.Millisecond, P99: 198 * time.Millisecond,
			Max: 200 * time.Millisecond, Mean: 100500 * time.Microsecond}
		if got != want {
			t.Errorf("summarize = %+v, want %+v", got, want)
		}
	})
	t.Run("one slow outlier moves p99 and max only", func(t *testing.T) {
		samples := make([]time.Duration, 1000)
		for i := range samples {
			samples[i] = time.Millisecond
		}
		samples[500] = time.Second
		got := summarize(samples)
		if got.P50 != time.Millisecond || got.P99 != time.Millisecond || got.Max != time.Second {
			t.Errorf("summarize = %+v, want p50 = p99 = 1ms and max = 1s", got)
		}
	})
}
