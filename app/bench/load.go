package bench

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// op is one operation of a workload as one worker does it; the worker's
// state (its connection, its user, its place in a token pool) lives in the
// closure, so workers share nothing while timed.
type op func() error

// errPoolUsedUp ends a worker whose share of pre-issued tokens is spent. It
// is not a failure: the workload just ends early, and says so.
var errPoolUsedUp = errors.New("token pool used up")

// maxErrorSamples is how many distinct error messages a row keeps.
const maxErrorSamples = 3

// loadResult is what a closed loop measured.
type loadResult struct {
	ops     int
	errors  int
	elapsed time.Duration
	latency Latency
	// latencies are every operation's, sorted: turns of one row are
	// summarized together (growth).
	latencies []time.Duration
	// usedUp is set when a worker ran out of pre-issued tokens.
	usedUp  bool
	samples []string
	// usage is the server's memory and both sides' CPU while timed.
	usage usage
}

// workerResult is one worker's own record, written by it alone.
type workerResult struct {
	latencies []time.Duration
	errors    int
	samples   []string
	end       time.Time
	usedUp    bool
}

func (w *workerResult) fail(err error) {
	w.errors++
	if len(w.samples) < maxErrorSamples {
		w.samples = append(w.samples, err.Error())
	}
}

// closedLoop runs each op in its own goroutine, back to back: warmUp
// untimed operations each, then as many as fit in d, at most maxOps in all.
// Each worker records its latencies in a slice allocated before timing
// starts, so recording costs no allocation and no lock. Errors in the
// warm-up count too: a workload is expected to have none. The server
// process pid (0: unknown) is watched while timed.
func closedLoop(ctx context.Context, ops []op, d time.Duration, maxOps, warmUp, pid int) loadResult {
	workers := make([]workerResult, len(ops))
	perWorker := max(1, maxOps/len(ops))
	var wg sync.WaitGroup
	for i, o := range ops {
		w := &workers[i]
		w.latencies = make([]time.Duration, 0, perWorker)
		wg.Go(func() {
			for range warmUp {
				if err := o(); err != nil {
					if errors.Is(err, errPoolUsedUp) {
						w.usedUp = true
						return
					}
					w.fail(err)
				}
			}
		})
	}
	wg.Wait()

	g := watch(pid)
	start := time.Now()
	deadline := start.Add(d)
	for i, o := range ops {
		w := &workers[i]
		wg.Go(func() {
			t := time.Now()
			for !w.usedUp && t.Before(deadline) && len(w.latencies) < perWorker && ctx.Err() == nil {
				err := o()
				end := time.Now()
				switch {
				case err == nil:
					w.latencies = append(w.latencies, end.Sub(t))
				case errors.Is(err, errPoolUsedUp):
					w.usedUp = true
				default:
					w.fail(err)
				}
				t = end
			}
			w.end = t
		})
	}
	wg.Wait()
	r := merge(start, workers)
	r.usage = g.stop()
	return r
}

// merge combines the workers' records. The elapsed time runs to the end of
// the last operation to finish, which may be past the deadline: closed-loop
// workers finish what they started.
func merge(start time.Time, workers []workerResult) loadResult {
	var r loadResult
	var all []time.Duration
	last := start
	for _, w := range workers {
		all = append(all, w.latencies...)
		r.errors += w.errors
		r.usedUp = r.usedUp || w.usedUp
		if w.end.After(last) {
			last = w.end
		}
		for _, s := range w.samples {
			if len(r.samples) < maxErrorSamples && !slices.Contains(r.samples, s) {
				r.samples = append(r.samples, s)
			}
		}
	}
	r.ops = len(all)
	r.elapsed = last.Sub(start)
	r.latency = summarize(all)
	r.latencies = all
	return r
}

// parallel runs fn for every index in [0, n) on workers goroutines, and
// returns the first error.
func parallel(workers, n int, fn func(worker, i int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		next  int
		first error
	)
	for w := range workers {
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next++
				stop := first != nil
				mu.Unlock()
				if i >= n || stop {
					return
				}
				if err := fn(w, i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}
