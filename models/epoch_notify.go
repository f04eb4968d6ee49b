package models

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// On PostgreSQL every instance keeps one connection of its own, outside the
// pool, listening on epochChannel: a revocation committed by any instance
// reaches the others' bearer caches about a millisecond later, well before a
// client can carry the revoked token to them. When the connection drops, the
// listener reconnects with backoff, and reads the counter once it listens
// again, for what it may have missed; meanwhile the poller (epoch.go) keeps
// the bound at EpochPollEvery.

// Listener timings.
const (
	// listenFirstWait is how long Open waits for the first LISTEN, so that
	// a server that starts serving is already listening.
	listenFirstWait = 5 * time.Second
	// listenBackoffMin and listenBackoffMax bound the wait between
	// reconnection attempts; it doubles after each failure.
	listenBackoffMin = 100 * time.Millisecond
	listenBackoffMax = 5 * time.Second
	// listenHealthEvery is how long the connection may stay silent before
	// the listener pings it, so a connection that died without a word (a
	// failover, a dropped route) is noticed.
	listenHealthEvery = 30 * time.Second
	listenPingTimeout = 5 * time.Second
)

// epochListener is the goroutine that listens for epoch notifications.
type epochListener struct {
	cancel    context.CancelFunc
	done      chan struct{}
	listening atomic.Bool
	// connects counts successful LISTENs, for tests of reconnection.
	connects atomic.Int64
	// conn is the live listening connection, for tests that cut it.
	conn atomic.Pointer[pgx.Conn]
}

// startEpochListener starts listening and waits (up to listenFirstWait) for
// the first attempt to succeed or fail.
func (s *Store) startEpochListener() {
	ctx, cancel := context.WithCancel(context.Background())
	l := &epochListener{cancel: cancel, done: make(chan struct{})}
	s.pg.listener = l
	first := make(chan struct{})
	go func() {
		defer close(l.done)
		s.listen(ctx, l, first)
	}()
	select {
	case <-first:
	case <-time.After(listenFirstWait):
	}
}

// listen connects, listens and reconnects until ctx ends. first is closed
// after the first attempt.
func (s *Store) listen(ctx context.Context, l *epochListener, first chan struct{}) {
	backoff := listenBackoffMin
	for {
		err := s.listenOnce(ctx, l, func() {
			backoff = listenBackoffMin
			if first != nil {
				close(first)
				first = nil
			}
		})
		l.listening.Store(false)
		if first != nil {
			close(first)
			first = nil
		}
		if ctx.Err() != nil {
			return
		}
		_ = err // the poller covers the gap; EpochNotifications reports it
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, listenBackoffMax)
	}
}

// listenOnce runs one listening connection until it fails or ctx ends.
// listening is called once LISTEN has taken effect.
func (s *Store) listenOnce(ctx context.Context, l *epochListener, listening func()) error {
	conn, err := pgx.ConnectConfig(ctx, s.pg.config.Copy())
	if err != nil {
		return fmt.Errorf("connect epoch listener: %w", err)
	}
	defer func() {
		l.conn.Store(nil)
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+epochChannel); err != nil {
		return fmt.Errorf("listen for epoch changes: %w", err)
	}
	l.conn.Store(conn)
	l.listening.Store(true)
	l.connects.Add(1)
	listening()
	// Whatever was committed while nobody listened is in the counter.
	s.pollEpoch(ctx)
	for {
		waitCtx, cancel := context.WithTimeout(ctx, listenHealthEvery)
		n, err := conn.WaitForNotification(waitCtx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err == nil:
			s.notified(n.Payload)
		case waitCtx.Err() != nil && !conn.IsClosed():
			pingCtx, cancel := context.WithTimeout(ctx, listenPingTimeout)
			err = conn.Ping(pingCtx)
			cancel()
			if err != nil {
				return fmt.Errorf("epoch listener connection: %w", err)
			}
		default:
			return fmt.Errorf("wait for epoch changes: %w", err)
		}
	}
}

// notified handles one notification: the payload is the counter's new value.
func (s *Store) notified(payload string) {
	v, err := strconv.ParseInt(payload, 10, 64)
	if err != nil {
		// Not ours to understand, but it came on our channel: be safe.
		s.epoch.moveAll()
		return
	}
	s.epoch.observe(v)
}

func (s *Store) stopEpochListener() {
	if s.pg == nil || s.pg.listener == nil {
		return
	}
	s.pg.listener.cancel()
	<-s.pg.listener.done
}

// EpochNotifications reports whether the store hears other instances'
// changes as they commit: true while a PostgreSQL store is listening. When
// false, changes made elsewhere are seen within EpochPollEvery.
func (s *Store) EpochNotifications() bool {
	return s.pg != nil && s.pg.listener != nil && s.pg.listener.listening.Load()
}
