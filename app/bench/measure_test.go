package bench

import (
	"math"
	"testing"
	"time"
)

func TestCombinedAddsTurnsUpAsOne(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	turns := []loadResult{
		{ops: 3, errors: 1, elapsed: time.Second, latencies: []time.Duration{ms(1), ms(2), ms(3)},
			usage: usage{peakRSS: 50, serverCPU: 1, driverCPU: 0.2, otherCPU: 0}, samples: []string{"boom"}},
		{ops: 1, elapsed: 3 * time.Second, latencies: []time.Duration{ms(10)},
			usage: usage{peakRSS: 70, serverCPU: 0.6, driverCPU: 0.2, otherCPU: 0.4}, samples: []string{"boom", "bang"}},
	}
	got := combined(Row{Workload: Growth, Name: "flow c8"}, 8, turns)
	if got.Ops != 4 || got.Errors != 1 || got.Elapsed != 4*time.Second || got.OpsPerSec != 1 || got.Concurrency != 8 {
		t.Errorf("ops %d, errors %d, elapsed %v, %v ops/s, c%d; want 4, 1, 4s, 1, c8", got.Ops, got.Errors, got.Elapsed, got.OpsPerSec, got.Concurrency)
	}
	if got.RSS != 70 {
		t.Errorf("RSS %d, want the highest, 70", got.RSS)
	}
	// Weighted by time: (1×1 + 0.6×3) / 4.
	if math.Abs(got.ServerCPU-0.7) > 1e-9 || math.Abs(got.OtherCPU-0.3) > 1e-9 {
		t.Errorf("server CPU %v, other %v; want 0.7 and 0.3", got.ServerCPU, got.OtherCPU)
	}
	if got.Latency != summarize([]time.Duration{ms(1), ms(2), ms(3), ms(10)}) {
		t.Errorf("latency %+v, want the four operations summarized together", got.Latency)
	}
	if len(got.ErrorSamples) != 2 || got.Note != "" {
		t.Errorf("error samples %q, note %q; want boom and bang, no note", got.ErrorSamples, got.Note)
	}
	turns[1].usedUp = true
	if got := combined(Row{}, 1, turns); got.Note == "" {
		t.Error("a turn that used up its token pool left no note")
	}
	if got := combined(Row{}, 1, nil); got.OpsPerSec != 0 || got.Ops != 0 {
		t.Errorf("no turns: %+v, want nothing measured", got)
	}
}
