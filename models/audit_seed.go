package models

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// AuditSeed shapes the synthetic events SeedAuditEvents writes. Its zero
// value is usable.
type AuditSeed struct {
	// Users and Clients are the ids the events name as subjects, actors and
	// apps; synthetic ids ("seed-user-7") when empty.
	Users   []string
	Clients []string
	// End is the newest event's time (now when zero); events are Step apart
	// (one second when zero), oldest first.
	End  time.Time
	Step time.Duration
	// Seed makes the sequence reproducible.
	Seed uint64
}

// Seeding sizes. An event row binds 13 values, so 2,000 rows stay under
// SQLite's 32,766 variables per statement; a transaction of 100,000 events
// holds the write lock for a second or two, then lets other writers in.
const (
	seedEventBatch = 2000
	seedIndexBatch = 10000
	seedTxEvents   = 100_000
)

// SeedAuditEvents appends n synthetic events to the audit trail, each
// touching one or two of workspaces (none when workspaces is empty), for
// benchmarks, load tests and the bench command. It extends the real chain —
// hashes computed here, the chain head moved in the same transactions — so
// VerifyAudit passes afterwards. Events go in with multi-row inserts, a few
// transactions of them, which is far faster than AppendAudit per event.
func (s *Store) SeedAuditEvents(ctx context.Context, n int, workspaces []string, o AuditSeed) error {
	if n < 0 {
		return fmt.Errorf("seed audit events: negative count %d", n)
	}
	g := newSeedGen(n, workspaces, o)
	for done := 0; done < n; {
		size := min(seedTxEvents, n-done)
		if err := s.InTx(ctx, func(tx *Store) error { return tx.seedAuditTx(ctx, g, size) }); err != nil {
			return fmt.Errorf("seed audit events %d-%d of %d: %w", done+1, done+size, n, err)
		}
		done += size
	}
	// Filed by person, app and action too, as the indexer would soon.
	if err := s.IndexAllAudit(ctx); err != nil {
		return fmt.Errorf("seed audit events: %w", err)
	}
	return nil
}

// seedAuditTx appends size events in the caller's transaction.
func (s *Store) seedAuditTx(ctx context.Context, g *seedGen, size int) error {
	move, err := s.chainMove(ctx)
	if err != nil {
		return err
	}
	prev, lastID := move.to.LastHash, move.to.LastEventID
	if len(prev) == 0 {
		prev = genesisHash
	}
	events := make([]AuditEvent, 0, seedEventBatch)
	index := make([]AuditEventWorkspace, 0, seedIndexBatch+2)
	flushIndex := func() error {
		if len(index) == 0 {
			return nil
		}
		if err := s.conn(ctx).CreateInBatches(index, seedIndexBatch).Error; err != nil {
			return fmt.Errorf("index workspaces: %w", translate(err))
		}
		index = index[:0]
		return nil
	}
	for left := size; left > 0; {
		events = events[:0]
		for range min(seedEventBatch, left) {
			lastID++
			ev := g.event(lastID, prev)
			prev = ev.Hash
			events = append(events, ev)
			for _, w := range g.workspaces {
				index = append(index, AuditEventWorkspace{WorkspaceID: w, EventID: ev.ID})
			}
		}
		if err := s.conn(ctx).CreateInBatches(events, seedEventBatch).Error; err != nil {
			return fmt.Errorf("insert events: %w", translate(err))
		}
		left -= len(events)
		if len(index) >= seedIndexBatch {
			if err := flushIndex(); err != nil {
				return err
			}
		}
	}
	if err := flushIndex(); err != nil {
		return err
	}
	// The transaction writes the head row when it ends (AppendAudit).
	s.tx.audit = &chainMove{from: move.from, to: AuditChainHead{ID: chainHeadID, LastEventID: lastID, LastHash: prev}}
	return nil
}

// seedGen makes the synthetic events: a plausible mix of actions, users,
// apps and workspaces, evenly spaced in time.
type seedGen struct {
	rnd        *rand.Rand
	users      []string
	clients    []string
	spaces     []string
	at         time.Time
	step       time.Duration
	workspaces []string // of the event just made
}

// seedActions is the mix of actions, weighted by repetition the way a real
// trail would be: mostly consents and token churn.
var seedActions = []string{
	"grant.created", "grant.created", "grant.created", "grant.updated", "grant.updated",
	"tokens.revoked", "tokens.revoked", "grant.workspace_removed", "grant.revoked",
	"template.deleted", "api_key.created", "membership.removed", "refresh.reuse_detected",
}

var seedScopes = []string{"openid", "profile", "email", "workspace:read", "workspace:templates:read", "render:generate", "offline_access"}

func newSeedGen(n int, workspaces []string, o AuditSeed) *seedGen {
	g := &seedGen{
		rnd: rand.New(rand.NewPCG(o.Seed, 0x5eed)), users: o.Users, clients: o.Clients,
		spaces: slices.Clone(workspaces), step: o.Step,
	}
	if len(g.users) == 0 {
		for i := range 50 {
			g.users = append(g.users, "seed-user-"+strconv.Itoa(i))
		}
	}
	if len(g.clients) == 0 {
		for i := range 10 {
			g.clients = append(g.clients, "seed-client-"+strconv.Itoa(i))
		}
	}
	if g.step <= 0 {
		g.step = time.Second
	}
	end := o.End
	if end.IsZero() {
		end = time.Now()
	}
	g.at = end.Add(-time.Duration(max(n-1, 0)) * g.step)
	return g
}

// event makes the event with this id, linked to prev, and leaves its
// workspaces in g.workspaces.
func (g *seedGen) event(id int64, prev []byte) AuditEvent {
	action := seedActions[g.rnd.IntN(len(seedActions))]
	user := g.users[g.rnd.IntN(len(g.users))]
	client := g.clients[g.rnd.IntN(len(g.clients))]
	g.workspaces = g.workspaces[:0]
	if len(g.spaces) > 0 {
		g.workspaces = append(g.workspaces, g.spaces[g.rnd.IntN(len(g.spaces))])
		if len(g.spaces) > 1 && g.rnd.IntN(4) == 0 {
			g.workspaces = append(g.workspaces, g.spaces[g.rnd.IntN(len(g.spaces))])
		}
		slices.Sort(g.workspaces)
		g.workspaces = slices.Compact(g.workspaces)
	}
	var details map[string]any
	actor := Actor{Type: ActorUser, ID: user, IP: "192.0.2." + strconv.Itoa(1+g.rnd.IntN(254)), UserAgent: "Mozilla/5.0 (seed)"}
	switch action {
	case "grant.created":
		details = map[string]any{"scopes": seedScopes[:3+g.rnd.IntN(len(seedScopes)-3)], "workspace_ids": g.workspaces}
	case "grant.updated":
		details = map[string]any{"scopes_added": []string{"render:generate"}, "scopes_removed": []string{},
			"workspaces_added": []string{}, "workspaces_removed": g.workspaces}
	case "tokens.revoked":
		details = map[string]any{"cause": "grant.revoked", "count": 1 + g.rnd.IntN(20)}
	case "template.deleted":
		actor.Type, actor.ID = ActorClient, client
		details = map[string]any{"template_id": "tpl-" + strconv.Itoa(g.rnd.IntN(1000)), "name": "Quarterly report"}
	case "refresh.reuse_detected":
		actor.Type, actor.ID = ActorClient, client
		details = map[string]any{"family_id": "fam-" + strconv.FormatInt(id, 10)}
	case "api_key.created":
		client = ""
		details = map[string]any{"api_key_id": "key-" + strconv.FormatInt(id, 10), "name": "Nightly export", "hint": "a1b2"}
	case "membership.removed":
		client = ""
		details = map[string]any{"role": "member", "grants_narrowed": g.rnd.IntN(3)}
	}
	detailsJSON := "{}"
	if details != nil {
		b, _ := json.Marshal(details) // maps of strings and ints always encode
		detailsJSON = string(b)
	}
	ev := AuditEvent{
		ID: id, OccurredAt: g.at.UTC().Truncate(time.Microsecond), Action: action,
		ActorType: actor.Type, ActorID: actor.ID, SubjectUserID: user, ClientID: client,
		WorkspaceIDs: joinSpace(g.workspaces), Details: detailsJSON, IP: actor.IP, UserAgent: actor.UserAgent,
		PrevHash: prev,
	}
	ev.Hash = ev.computeHash()
	g.at = g.at.Add(g.step)
	return ev
}
