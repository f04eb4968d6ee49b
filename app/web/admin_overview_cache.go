package web

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/views/pages"
)

// overviewCache is what the admin overview reuses between loads, so that it
// stays fast with millions of audit events: the chart's finished days and
// the last audit chain check.
type overviewCache struct {
	activity activityCache
	chain    chainCheck
}

// activityCache keeps the grant counts of finished UTC days. The audit log
// is append-only and stamps each event when it is written, so a day that
// has ended never changes: after the first load only today is read again.
type activityCache struct {
	mu   sync.Mutex
	days map[time.Time]dayCount
}

type dayCount struct{ created, revoked int }

// counts is grant.created and grant.revoked per UTC day over the
// activityDays days ending today, and the first day. The days are counted
// here from the events' timestamps, so the SQL stays free of any one
// database's date functions.
func (ac *activityCache) counts(ctx context.Context, store *models.Store, now time.Time) (time.Time, []int, []int, error) {
	ac.mu.Lock()
	defer ac.mu.Unlock()
	today := utcDay(now)
	start := today.AddDate(0, 0, -(activityDays - 1))
	if ac.days == nil {
		ac.days = map[time.Time]dayCount{}
	}
	for day := range ac.days {
		if day.Before(start) || !day.Before(today) {
			delete(ac.days, day)
		}
	}
	// Read from the first finished day not cached yet (today when all are).
	from := today
	for day := start; day.Before(today); day = day.AddDate(0, 0, 1) {
		if _, ok := ac.days[day]; !ok {
			from = day
			break
		}
	}
	read := map[time.Time]dayCount{}
	err := store.EachGrantChange(ctx, from, func(action string, at time.Time) {
		day := utcDay(at)
		c := read[day]
		if action == models.ActionGrantCreated {
			c.created++
		} else {
			c.revoked++
		}
		read[day] = c
	})
	if err != nil {
		return start, nil, nil, err
	}
	created, revoked := make([]int, activityDays), make([]int, activityDays)
	for i := range activityDays {
		day := start.AddDate(0, 0, i)
		c, cached := ac.days[day]
		if !cached && !day.Before(from) {
			c = read[day]
			if day.Before(today) {
				ac.days[day] = c
			}
		}
		created[i], revoked[i] = c.created, c.revoked
	}
	return start, created, revoked, nil
}

// chainCheckTTL is how long the overview reuses an audit chain check.
const chainCheckTTL = time.Minute

// chainCheckWait is how long the page load that starts a check waits for it.
// Small trails are verified within it and the page shows the result at
// once; a long one (seconds at a million events) keeps running in the
// background and the page says so.
const chainCheckWait = 500 * time.Millisecond

// chainCheck is the last result of verifying the audit chain (the check
// `consentry audit verify` runs). At most one check runs at a time, in the
// background, and page loads never wait for more than chainCheckWait.
type chainCheck struct {
	mu     sync.Mutex
	result pages.AuditChainStatus
	// running is closed when the check in flight ends; nil when none runs.
	running chan struct{}
}

// status returns the latest result, starting a check when the last one is
// older than chainCheckTTL or failed to read the log.
func (cc *chainCheck) status(ctx context.Context, store *models.Store, log *slog.Logger, now time.Time) pages.AuditChainStatus {
	cc.mu.Lock()
	fresh := !cc.result.CheckedAt.IsZero() && cc.result.Error == "" && now.Sub(cc.result.CheckedAt) < chainCheckTTL
	var done chan struct{}
	if !fresh && cc.running == nil {
		done = make(chan struct{})
		cc.running = done
		// The check outlives this request: it must not end with it.
		go cc.run(context.WithoutCancel(ctx), store, log, now, done)
	}
	cc.mu.Unlock()
	// Only the load that started a check waits for it, briefly; loads
	// during a long check show the last result at once.
	if done != nil {
		timer := time.NewTimer(chainCheckWait)
		select {
		case <-done:
		case <-timer.C:
		case <-ctx.Done():
		}
		timer.Stop()
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	st := cc.result
	st.Checking = cc.running != nil
	return st
}

// run verifies the chain and records the result.
func (cc *chainCheck) run(ctx context.Context, store *models.Store, log *slog.Logger, started time.Time, done chan struct{}) {
	events, err := store.VerifyAudit(ctx)
	st := pages.AuditChainStatus{Events: events, CheckedAt: started}
	var brk *models.ChainBreak
	switch {
	case err == nil:
		st.Intact = true
	case errors.As(err, &brk):
		st.BrokenAt, st.Reason = brk.EventID, brk.Reason
	default:
		// A failed read says nothing about the chain; the next load tries
		// again.
		log.Error("verify audit chain", "error", err)
		st.Error = "The audit log could not be read. Try again in a moment."
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	cc.result = st
	cc.running = nil
	close(done)
}
