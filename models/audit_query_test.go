package models_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

// auditWorld is a small trail over two workspaces, A and B, with events
// in A only, B only, both, and neither.
type auditWorld struct {
	s      *models.Store
	base   time.Time
	events []models.AuditEvent
}

// auditSpec is one event of the world.
type auditSpec struct {
	action, actorType, actorID, subject, client string
	workspaces                                  []string
}

var auditWorldSpecs = []auditSpec{
	{"grant.created", models.ActorUser, "alice", "alice", "pixel", []string{"ws-a"}},                 // 1
	{"grant.created", models.ActorUser, "bob", "bob", "pixel", []string{"ws-b"}},                     // 2
	{"grant.created", models.ActorUser, "carol", "carol", "render", []string{"ws-a", "ws-b"}},        // 3
	{"client.disabled", models.ActorCLI, "root", "", "render", nil},                                  // 4
	{"grant.workspace_removed", models.ActorUser, "alice", "", "pixel", []string{"ws-a"}},            // 5
	{"tokens.revoked", models.ActorUser, "alice", "bob", "pixel", []string{"ws-b"}},                  // 6
	{"api_key.created", models.ActorUser, "bob", "", "", []string{"ws-b"}},                           // 7
	{"template.deleted", models.ActorClient, "pixel", "alice", "pixel", []string{"ws-a"}},            // 8
	{"grant.revoked", models.ActorUser, "carol", "carol", "render", []string{"ws-a", "ws-b"}},        // 9
	{"membership.removed", models.ActorUser, "alice", "bob", "", []string{"ws-a"}},                   // 10
	{"grant.updated", models.ActorUser, "alice", "alice", "render", []string{"ws-a"}},                // 11
	{"grant.created", models.ActorUser, "bob", "bob", "render", []string{"ws-b", "ws-c"}},            // 12
	{"tokens.revoked", models.ActorClient, "render", "carol", "render", []string{"ws-a", "ws-b"}},    // 13
	{"grant.created", models.ActorUser, "dave", "dave", "pixel", []string{"ws-c"}},                   // 14
	{"grant.workspace_removed", models.ActorUser, "bob", "bob", "pixel", []string{"ws-b"}},           // 15
	{"grant.created", models.ActorUser, "alice", "alice", "pixel", []string{"ws-a", "ws-b", "ws-c"}}, // 16
}

// newAuditWorld appends the world's events to a new store whose audit
// indexer is stopped: they are all after the index mark until the test
// indexes them (IndexAuditForTest).
func newAuditWorld(t *testing.T) *auditWorld {
	t.Helper()
	w := &auditWorld{s: storetest.Open(t), base: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	w.s.StopAuditIndexerForTest()
	for i, sp := range auditWorldSpecs {
		// One event a day, from 1 May.
		w.append(t, sp, w.base.AddDate(0, 0, i))
	}
	return w
}

func (w *auditWorld) append(t *testing.T, sp auditSpec, at time.Time) models.AuditEvent {
	t.Helper()
	ctx := context.Background()
	var ev models.AuditEvent
	err := w.s.InTx(ctx, func(tx *models.Store) error {
		var err error
		ev, err = tx.AppendAudit(ctx, models.Actor{Type: sp.actorType, ID: sp.actorID, IP: "192.0.2.1"}, models.AuditRecord{
			Action: sp.action, SubjectUserID: sp.subject, ClientID: sp.client, WorkspaceIDs: sp.workspaces,
		}, at)
		return err
	})
	if err != nil {
		t.Fatalf("append %s: %v", sp.action, err)
	}
	w.events = append(w.events, ev)
	return ev
}

// page reads every page of f, limit events at a time, checking that each
// page is newest first, and returns the ids in order.
func allPages(t *testing.T, s *models.Store, f models.AuditFilter) []int64 {
	t.Helper()
	var ids []int64
	for range 1000 {
		events, next, err := s.AuditPage(context.Background(), f)
		if err != nil {
			t.Fatalf("AuditPage(%+v): %v", f, err)
		}
		for i, ev := range events {
			if i > 0 && ev.ID >= events[i-1].ID {
				t.Fatalf("page not newest first: %d after %d", ev.ID, events[i-1].ID)
			}
			ids = append(ids, ev.ID)
		}
		if next == 0 {
			return ids
		}
		if len(events) == 0 || next != events[len(events)-1].ID {
			t.Fatalf("next cursor %d is not the last id of the page", next)
		}
		f.Before = next
	}
	t.Fatal("pagination does not end")
	return nil
}

func ids(from ...int64) []int64 { return from }

// streamed is every id EachAuditEventFiltered yields for f.
func streamed(t *testing.T, s *models.Store, f models.AuditFilter) []int64 {
	t.Helper()
	var out []int64
	err := s.EachAuditEventFiltered(context.Background(), f, func(ev models.AuditEvent) error {
		out = append(out, ev.ID)
		return nil
	})
	if err != nil {
		t.Fatalf("EachAuditEventFiltered(%+v): %v", f, err)
	}
	return out
}

func reversed(in []int64) []int64 {
	out := slices.Clone(in)
	slices.Reverse(out)
	return out
}

var auditFilterTests = []struct {
	name string
	f    func(base time.Time) models.AuditFilter
	want []int64 // newest first
}{
	{"everything", func(time.Time) models.AuditFilter { return models.AuditFilter{} },
		ids(16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1)},
	{"workspace A", func(time.Time) models.AuditFilter { return models.AuditFilter{WorkspaceID: "ws-a"} },
		ids(16, 13, 11, 10, 9, 8, 5, 3, 1)},
	{"workspace B", func(time.Time) models.AuditFilter { return models.AuditFilter{WorkspaceID: "ws-b"} },
		ids(16, 15, 13, 12, 9, 7, 6, 3, 2)},
	{"user as subject or actor", func(time.Time) models.AuditFilter { return models.AuditFilter{UserID: "bob"} },
		ids(15, 12, 10, 7, 6, 2)},
	{"another user as subject or actor", func(time.Time) models.AuditFilter { return models.AuditFilter{UserID: "alice"} },
		ids(16, 11, 10, 8, 6, 5, 1)},
	{"an id that only another kind of actor has", func(time.Time) models.AuditFilter {
		return models.AuditFilter{UserID: "root"}
	}, nil},
	{"user and action", func(time.Time) models.AuditFilter {
		return models.AuditFilter{UserID: "bob", Action: "grant.created"}
	}, ids(12, 2)},
	{"user from a cursor", func(time.Time) models.AuditFilter { return models.AuditFilter{UserID: "bob", Before: 10} },
		ids(7, 6, 2)},
	{"client and time", func(b time.Time) models.AuditFilter {
		return models.AuditFilter{ClientID: "pixel", From: b.AddDate(0, 0, 4), To: b.AddDate(0, 0, 15)}
	}, ids(15, 14, 8, 6, 5)},
	{"client", func(time.Time) models.AuditFilter { return models.AuditFilter{ClientID: "render"} },
		ids(13, 12, 11, 9, 4, 3)},
	{"action", func(time.Time) models.AuditFilter { return models.AuditFilter{Action: "tokens.revoked"} },
		ids(13, 6)},
	{"time range", func(b time.Time) models.AuditFilter {
		return models.AuditFilter{From: b.AddDate(0, 0, 3), To: b.AddDate(0, 0, 6)}
	}, ids(6, 5, 4)},
	{"workspace A and user bob", func(time.Time) models.AuditFilter {
		return models.AuditFilter{WorkspaceID: "ws-a", UserID: "bob"}
	}, ids(10)},
	{"workspace A and an action only B has", func(time.Time) models.AuditFilter {
		return models.AuditFilter{WorkspaceID: "ws-a", Action: "api_key.created"}
	}, nil},
	{"workspace A, client and time", func(b time.Time) models.AuditFilter {
		return models.AuditFilter{WorkspaceID: "ws-a", ClientID: "pixel", From: b.AddDate(0, 0, 4)}
	}, ids(16, 8, 5)},
	{"workspace A from a cursor", func(time.Time) models.AuditFilter {
		return models.AuditFilter{WorkspaceID: "ws-a", Before: 12}
	}, ids(11, 10, 9, 8, 5, 3, 1)},
	{"unknown workspace", func(time.Time) models.AuditFilter { return models.AuditFilter{WorkspaceID: "ws-z"} },
		nil},
}

// auditIndexStates are how far the index reaches in turn in
// TestAuditPageFilters: nowhere (every event read from its row), half the
// world (a page or a stream crosses the mark), everywhere.
var auditIndexStates = []struct {
	name    string
	through int64
}{{"nothing indexed", 0}, {"half indexed", 8}, {"all indexed", 16}}

// streamWithoutCursor is what the export gives for the filters of
// auditFilterTests that have a cursor, which it ignores.
var streamWithoutCursor = map[string][]int64{
	"workspace A from a cursor": ids(16, 13, 11, 10, 9, 8, 5, 3, 1),
	"user from a cursor":        ids(15, 12, 10, 7, 6, 2),
}

func TestAuditPageFilters(t *testing.T) {
	w := newAuditWorld(t)
	for _, state := range auditIndexStates {
		indexAuditThrough(t, w.s, state.through)
		t.Run(state.name, func(t *testing.T) { testAuditPageFilters(t, w) })
	}
}

// indexAuditThrough moves the index mark of s forward to through.
func indexAuditThrough(t *testing.T, s *models.Store, through int64) {
	t.Helper()
	now := s.AuditIndexedThroughForTest()
	if n, err := s.IndexAuditForTest(through - now); err != nil || n != through-now {
		t.Fatalf("IndexAudit(%d) = %d, %v", through-now, n, err)
	}
}

func testAuditPageFilters(t *testing.T, w *auditWorld) {
	for _, tt := range auditFilterTests {
		t.Run(tt.name, func(t *testing.T) {
			for _, limit := range []int{1, 3, 50} {
				f := tt.f(w.base)
				f.Limit = limit
				if got := allPages(t, w.s, f); !slices.Equal(got, tt.want) {
					t.Errorf("pages of %d: ids %v, want %v", limit, got, tt.want)
				}
			}
			f := tt.f(w.base)
			want := tt.want
			if f.Before > 0 {
				// The export ignores the cursor: it is every matching event.
				f.Before = 0
				want = streamWithoutCursor[tt.name]
			}
			if got := streamed(t, w.s, f); !slices.Equal(got, reversed(want)) {
				t.Errorf("stream: ids %v, want %v (oldest first)", got, reversed(want))
			}
		})
	}
}

// TestAuditPageTenantIsolation: whatever else a workspace-scoped read asks
// for — any filter, any cursor, the stream — every event it returns
// touches that workspace.
func TestAuditPageTenantIsolation(t *testing.T) {
	w := newAuditWorld(t)
	touches := map[int64][]string{}
	for _, ev := range w.events {
		touches[ev.ID] = auditWorldSpecs[ev.ID-1].workspaces
	}
	for _, ws := range []string{"ws-a", "ws-b", "ws-c"} {
		for _, extra := range []models.AuditFilter{
			{}, {UserID: "bob"}, {UserID: "alice"}, {ClientID: "pixel"}, {Action: "grant.created"},
			{Before: 7}, {Before: 1}, {Before: 99}, {Action: "client.disabled"}, {UserID: "root"},
		} {
			f := extra
			f.WorkspaceID = ws
			got := append(allPages(t, w.s, f), streamed(t, w.s, f)...)
			for _, id := range got {
				if !slices.Contains(touches[id], ws) {
					t.Errorf("%s with %+v returned event %d, which touches only %v", ws, extra, id, touches[id])
				}
			}
		}
	}
}

// TestAuditPageStableWhileAppending: pages read by cursor neither repeat
// nor skip events while new ones arrive between page loads.
// With a filter read through the index, the indexer also moves its mark
// between page loads.
func TestAuditPageStableWhileAppending(t *testing.T) {
	w := newAuditWorld(t)
	for name, filter := range map[string]models.AuditFilter{
		"everything": {}, "workspace": {WorkspaceID: "ws-a"}, "client": {ClientID: "pixel"},
	} {
		t.Run(name, func(t *testing.T) {
			f := filter
			f.Limit = 2
			want := allPages(t, w.s, f)
			var got []int64
			for i := 0; ; i++ {
				events, next, err := w.s.AuditPage(context.Background(), f)
				if err != nil {
					t.Fatal(err)
				}
				for _, ev := range events {
					got = append(got, ev.ID)
				}
				// Somebody does something in the workspace meanwhile.
				w.append(t, auditSpec{"grant.created", models.ActorUser, "erin", "erin", "pixel", []string{"ws-a"}},
					w.base.AddDate(0, 1, i))
				if _, err := w.s.IndexAuditForTest(3); err != nil {
					t.Fatal(err)
				}
				if next == 0 {
					break
				}
				f.Before = next
			}
			if !slices.Equal(got, want) {
				t.Errorf("paged while appending: %v, want %v (no duplicates, no gaps)", got, want)
			}
		})
	}
}

func TestAuditPageLimits(t *testing.T) {
	s := storetest.Open(t)
	appendEvents(t, s, models.MaxAuditPageSize+5)
	tests := []struct{ limit, want int }{{0, models.DefaultAuditPageSize}, {-3, models.DefaultAuditPageSize}, {7, 7}, {10_000, models.MaxAuditPageSize}}
	for _, tt := range tests {
		events, next, err := s.AuditPage(context.Background(), models.AuditFilter{Limit: tt.limit})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != tt.want || next != events[len(events)-1].ID {
			t.Errorf("Limit %d: %d events, next %d; want %d events and a cursor", tt.limit, len(events), next, tt.want)
		}
	}
}

func TestEachAuditEventFilteredStreamsInBatches(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	// More than one batch of the stream, over two workspaces.
	if err := s.SeedAuditEvents(ctx, 2500, []string{"ws-a", "ws-b"}, models.AuditSeed{Seed: 3}); err != nil {
		t.Fatal(err)
	}
	all := streamed(t, s, models.AuditFilter{})
	if len(all) != 2500 || !slices.IsSorted(all) || all[0] != 1 {
		t.Fatalf("streamed %d events (sorted %v), want 2500 in chain order", len(all), slices.IsSorted(all))
	}
	a, b := streamed(t, s, models.AuditFilter{WorkspaceID: "ws-a"}), streamed(t, s, models.AuditFilter{WorkspaceID: "ws-b"})
	if len(a) < 1000 || len(b) < 1000 || len(a)+len(b) < 2500 {
		t.Errorf("workspace streams of %d and %d events: the seed spreads 2500 over both", len(a), len(b))
	}
	stop := errors.New("stop")
	n := 0
	err := s.EachAuditEventFiltered(ctx, models.AuditFilter{}, func(models.AuditEvent) error {
		if n++; n == 10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 10 {
		t.Errorf("an error from fn: got %v after %d events, want it returned at once", err, n)
	}
}

// TestAuditPageTimeRanges: time-filtered pages, read through the recent
// window and then the time index, agree with the stream, which reads in id
// order — for ranges at the top, at the bottom and across the window's edge.
func TestAuditPageTimeRanges(t *testing.T) {
	s := storetest.Open(t)
	end := time.Date(2026, 5, 9, 12, 0, 0, 0, time.UTC)
	// A second apart: the newest 20,000 (the window) cover 5.5 hours.
	if err := s.SeedAuditEvents(context.Background(), 30_000, []string{"ws-a", "ws-b"}, models.AuditSeed{End: end, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		name     string
		from, to time.Time
	}{
		{"the last hour", end.Add(-time.Hour), time.Time{}},
		{"the first hour", time.Time{}, end.Add(-7 * time.Hour)},
		{"across the window's edge", end.Add(-6 * time.Hour), end.Add(-5 * time.Hour)},
		{"nothing", end.Add(time.Hour), time.Time{}},
	} {
		for _, ws := range []string{"", "ws-b"} {
			f := models.AuditFilter{WorkspaceID: ws, From: r.from, To: r.to, Limit: 200}
			want := reversed(streamed(t, s, f))
			if got := allPages(t, s, f); !slices.Equal(got, want) {
				t.Errorf("%s, workspace %q: pages give %d events, the stream %d", r.name, ws, len(got), len(want))
			}
			if r.name != "nothing" && len(want) < 100 {
				t.Errorf("%s: only %d events; the test needs more", r.name, len(want))
			}
		}
	}
}

func TestSeedAuditEventsKeepsTheChain(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	appendEvents(t, s, 3)
	// More than one transaction's worth would be slow here; the batches
	// inside one transaction are what matter.
	if err := s.SeedAuditEvents(ctx, 4321, []string{"ws-1", "ws-2", "ws-3"}, models.AuditSeed{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	if got := s.AuditIndexedThroughForTest(); got != 3+4321 {
		t.Errorf("index mark after the seed = %d, want %d: seeded events are filed at once", got, 3+4321)
	}
	appendEvents(t, s, 2)
	if n, err := s.VerifyAudit(ctx); err != nil || n != 3+4321+2 {
		t.Fatalf("VerifyAudit() = %d, %v, want %d events in one intact chain", n, err, 3+4321+2)
	}
	// Every event is indexed under exactly the workspaces it names.
	err := s.EachAuditEventFiltered(ctx, models.AuditFilter{}, func(ev models.AuditEvent) error {
		for _, ws := range []string{"ws-1", "ws-2", "ws-3"} {
			events, _, err := s.AuditPage(ctx, models.AuditFilter{WorkspaceID: ws, Before: ev.ID + 1, Limit: 1})
			if err != nil {
				return err
			}
			indexed := len(events) == 1 && events[0].ID == ev.ID
			if named := slices.Contains(strings.Fields(ev.WorkspaceIDs), ws); indexed != named {
				t.Errorf("event %d names %q but indexed under %s: %v", ev.ID, ev.WorkspaceIDs, ws, indexed)
			}
		}
		if ev.ID > 400 {
			return errStopScan
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStopScan) {
		t.Fatal(err)
	}
}

var errStopScan = errors.New("enough")

func TestSeedAuditEventsRefusesANegativeCount(t *testing.T) {
	if err := storetest.Open(t).SeedAuditEvents(context.Background(), -1, nil, models.AuditSeed{}); err == nil {
		t.Error("SeedAuditEvents(-1) succeeded")
	}
}
