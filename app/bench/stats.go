package bench

import (
	"slices"
	"time"
)

// Latency summarises one workload's per-operation times. Every percentile is
// a recorded sample (nearest rank), never an interpolation or a histogram
// bucket edge.
type Latency struct {
	P50, P90, P99, Max, Mean time.Duration
}

// summarize sorts samples in place and summarises them; no samples give the
// zero Latency.
func summarize(samples []time.Duration) Latency {
	if len(samples) == 0 {
		return Latency{}
	}
	slices.Sort(samples)
	var sum time.Duration
	for _, s := range samples {
		sum += s
	}
	return Latency{
		P50:  percentile(samples, 500),
		P90:  percentile(samples, 900),
		P99:  percentile(samples, 990),
		Max:  samples[len(samples)-1],
		Mean: sum / time.Duration(len(samples)),
	}
}

// percentile is the nearest-rank percentile of sorted samples, given in
// thousandths (990 is p99): the smallest sample that at least that share of
// samples does not exceed. Integer arithmetic keeps the rank exact: with a
// float, 0.99×100 is not 99.
func percentile(sorted []time.Duration, perMille int) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := (perMille*n + 999) / 1000
	rank = max(1, min(rank, n))
	return sorted[rank-1]
}
