package models

import (
	"sync"
	"time"
)

// backgroundLoop is a goroutine that calls a function at a fixed interval
// until halted: the checkpoints, the token epoch poller and the janitor of a
// Store each run on one.
type backgroundLoop struct {
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// every calls fn every interval, from a goroutine of its own, until halt.
func every(interval time.Duration, fn func()) *backgroundLoop {
	l := &backgroundLoop{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-tick.C:
				fn()
			}
		}
	}()
	return l
}

// halt ends the loop and waits for a call under way. It may be called more
// than once, and on a nil loop (one never started).
func (l *backgroundLoop) halt() {
	if l == nil {
		return
	}
	l.stopOnce.Do(func() { close(l.stop) })
	<-l.done
}
