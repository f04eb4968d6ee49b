package bench

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestClosedLoop(t *testing.T) {
	ctx := context.Background()
	t.Run("counts operations and errors", func(t *testing.T) {
		var calls atomic.Int64
		failing := func() op {
			own := 0
			return func() error {
				calls.Add(1)
				if own++; own%10 == 0 {
					return errors.New("boom")
				}
				return nil
			}
		}
		res := closedLoop(ctx, []op{failing(), failing()}, 20*time.Millisecond, 100_000, 5, 0)
		// The 2×5 warm-up calls all succeed and are not timed.
		if total := int(calls.Load()); res.ops+res.errors != total-10 || res.errors == 0 {
			t.Errorf("ops %d + errors %d, want %d timed calls with some errors", res.ops, res.errors, total-10)
		}
		if len(res.samples) != 1 || res.samples[0] != "boom" {
			t.Errorf("samples = %q, want one distinct error", res.samples)
		}
	})
	t.Run("errors in the warm-up count", func(t *testing.T) {
		first := true
		once := func() error {
			if first {
				first = false
				return errors.New("cold")
			}
			return nil
		}
		if res := closedLoop(ctx, []op{once}, time.Millisecond, 1000, 3, 0); res.errors != 1 {
			t.Errorf("errors = %d, want the warm-up's 1", res.errors)
		}
	})
	t.Run("stops at the bound on operations", func(t *testing.T) {
		noop := func() error { return nil }
		res := closedLoop(ctx, []op{noop, noop, noop, noop}, time.Minute, 400, 0, 0)
		if res.ops != 400 {
			t.Errorf("ops = %d, want the bound of 400", res.ops)
		}
	})
	t.Run("a used-up pool ends the worker without an error", func(t *testing.T) {
		left := 3
		pool := func() error {
			if left == 0 {
				return errPoolUsedUp
			}
			left--
			return nil
		}
		res := closedLoop(ctx, []op{pool}, time.Minute, 1000, 1, 0)
		if res.ops != 2 || res.errors != 0 || !res.usedUp {
			t.Errorf("ops %d errors %d usedUp %v, want 2 timed (1 warm-up), 0, true", res.ops, res.errors, res.usedUp)
		}
	})
	t.Run("latencies are of the operations", func(t *testing.T) {
		slow := func() error { time.Sleep(2 * time.Millisecond); return nil }
		res := closedLoop(ctx, []op{slow}, 30*time.Millisecond, 1000, 0, 0)
		if res.latency.P50 < 2*time.Millisecond || res.elapsed < 30*time.Millisecond {
			t.Errorf("p50 %v elapsed %v, want ≥ 2ms and ≥ 30ms", res.latency.P50, res.elapsed)
		}
	})
}

func TestParallel(t *testing.T) {
	var seen [100]atomic.Int32
	if err := parallel(7, len(seen), func(_, i int) error { seen[i].Add(1); return nil }); err != nil {
		t.Fatal(err)
	}
	for i := range seen {
		if seen[i].Load() != 1 {
			t.Fatalf("item %d done %d times", i, seen[i].Load())
		}
	}
	want := errors.New("stop")
	if err := parallel(3, 50, func(_, i int) error {
		if i == 10 {
			return want
		}
		return nil
	}); !errors.Is(err, want) {
		t.Errorf("parallel = %v, want the error", err)
	}
}
