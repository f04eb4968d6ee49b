//go:build linux

package bench

import (
	"fmt"
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// pinDriver moves every thread of this process to cpu and sets GOMAXPROCS
// to 1. sched_setaffinity acts on one thread, and a new thread inherits its
// creator's mask, so setting every existing thread covers the threads the
// runtime starts later; the loop repeats in case one started meanwhile.
func pinDriver(cpu int) error {
	var set unix.CPUSet
	set.Set(cpu)
	for range 5 {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return fmt.Errorf("pin the driver to CPU %d: %w", cpu, err)
		}
		changed := false
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			var cur unix.CPUSet
			if unix.SchedGetaffinity(tid, &cur) == nil && cur == set {
				continue
			}
			// A thread may exit between the listing and the call.
			if err := unix.SchedSetaffinity(tid, &set); err != nil && err != unix.ESRCH {
				return fmt.Errorf("pin the driver to CPU %d: %w", cpu, err)
			}
			changed = true
		}
		if !changed {
			break
		}
	}
	runtime.GOMAXPROCS(1)
	return nil
}

// flushSeedWrites writes the seeded database out to disk before its server
// starts. Otherwise the kernel writes it back (100,000 tokens are about
// 100 MB) while the first workloads are timed, and they pay for the setup.
func flushSeedWrites() { unix.Sync() }
