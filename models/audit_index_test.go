package models_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

// wantAuditKeys is how many keys the indexer files the world's events under:
// the subject, an acting person other than the subject, the app, the action.
func wantAuditKeys(specs []auditSpec) int64 {
	var n int64
	for _, sp := range specs {
		if sp.subject != "" {
			n++
		}
		if sp.actorType == models.ActorUser && sp.actorID != "" && sp.actorID != sp.subject {
			n++
		}
		if sp.client != "" {
			n++
		}
		n++
	}
	return n
}

// The indexer indexes each event once, at most as many per transaction as
// asked, and moves its mark to the last it indexed.
func TestIndexAuditIndexesEachEventOnceInBatches(t *testing.T) {
	w := newAuditWorld(t)
	ctx := context.Background()
	if n, err := w.s.IndexAuditForTest(5); err != nil || n != 5 {
		t.Fatalf("IndexAudit(5) = %d, %v; want 5", n, err)
	}
	if got := w.s.AuditIndexedThroughForTest(); got != 5 {
		t.Errorf("mark after 5 = %d", got)
	}
	if got, want := w.s.CountForTest("SELECT count(*) FROM audit_event_keys"), wantAuditKeys(auditWorldSpecs[:5]); got != want {
		t.Errorf("%d keys for the first 5 events, want %d", got, want)
	}
	if n, err := w.s.IndexAudit(ctx); err != nil || n != 11 {
		t.Fatalf("IndexAudit = %d, %v; want the other 11", n, err)
	}
	if n, err := w.s.IndexAudit(ctx); err != nil || n != 0 {
		t.Fatalf("IndexAudit with nothing new = %d, %v; want 0", n, err)
	}
	if got := w.s.AuditIndexedThroughForTest(); got != 16 {
		t.Errorf("mark = %d, want 16", got)
	}
	if got, want := w.s.CountForTest("SELECT count(*) FROM audit_event_keys"), wantAuditKeys(auditWorldSpecs); got != want {
		t.Errorf("%d keys, want %d", got, want)
	}
	// Alice approved an app (event 1): filed under her once, the app and
	// the action.
	var keys []string
	for _, k := range []string{"user:alice", "client:pixel", "action:grant.created", "user:bob"} {
		if w.s.CountForTest(fmt.Sprintf("SELECT count(*) FROM audit_event_keys WHERE key = '%s' AND event_id = 1", k)) == 1 {
			keys = append(keys, k)
		}
	}
	if want := []string{"user:alice", "client:pixel", "action:grant.created"}; !slices.Equal(keys, want) {
		t.Errorf("event 1 filed under %v, want %v", keys, want)
	}
}

// Up to the mark, a filter reads events through their keys, not their
// rows: an indexed event whose keys are gone is not found. After it, the
// rows are read.
func TestAFilterReadsIndexedEventsThroughTheirKeys(t *testing.T) {
	w := newAuditWorld(t)
	indexAuditThrough(t, w.s, 10)
	if err := w.s.ExecForTest("DELETE FROM audit_event_keys WHERE event_id IN (6, 10)"); err != nil {
		t.Fatal(err)
	}
	f := models.AuditFilter{UserID: "bob"}
	if got, want := allPages(t, w.s, f), ids(15, 12, 7, 2); !slices.Equal(got, want) {
		t.Errorf("pages: %v, want %v (6 and 10 unfiled, 12 and 15 after the mark)", got, want)
	}
	if got, want := streamed(t, w.s, f), ids(2, 7, 12, 15); !slices.Equal(got, want) {
		t.Errorf("stream: %v, want %v", got, want)
	}
}

// The background indexer catches up with the events appended.
func TestTheAuditIndexerCatchesUp(t *testing.T) {
	s := storetest.Open(t)
	appendEvents(t, s, 30)
	deadline := time.Now().Add(10 * time.Second)
	for s.AuditIndexedThroughForTest() != 30 {
		if time.Now().After(deadline) {
			t.Fatalf("the mark is at %d after 10 s, want 30", s.AuditIndexedThroughForTest())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := s.CountForTest("SELECT count(*) FROM audit_event_keys WHERE key = 'client:c1'"); got != 30 {
		t.Errorf("%d events filed under the app, want 30", got)
	}
}

// Step 8 files the events already in the log under their keys, moves the
// mark past them and drops the indexes by person, app and action; run
// again, it changes nothing.
func TestStep8IndexesTheLogItFinds(t *testing.T) {
	w := newAuditWorld(t)
	ctx := context.Background()
	// The schema as the builds before step 8 left it.
	mustExec(t, w.s,
		"DROP TABLE audit_event_keys",
		"DROP TABLE audit_index_marks",
		"CREATE INDEX idx_audit_events_client_id ON audit_events (client_id)",
		"CREATE INDEX idx_audit_events_subject_user_id ON audit_events (subject_user_id)",
		"CREATE INDEX idx_audit_events_actor_id ON audit_events (actor_id)",
		"CREATE INDEX idx_audit_events_action ON audit_events (action)",
	)
	for round := range 2 {
		mustExec(t, w.s, "DELETE FROM schema_migrations WHERE version = 8")
		applied, err := w.s.ApplyMigrations(ctx)
		if err != nil || len(applied) != 1 || applied[0].Version != 8 {
			t.Fatalf("round %d: ApplyMigrations = %+v, %v; want step 8", round, applied, err)
		}
		if got := w.s.AuditIndexedThroughForTest(); got != 16 {
			t.Errorf("round %d: mark = %d, want 16", round, got)
		}
		if got, want := w.s.CountForTest("SELECT count(*) FROM audit_event_keys"), wantAuditKeys(auditWorldSpecs); got != want {
			t.Errorf("round %d: %d keys, want %d", round, got, want)
		}
		if got := w.s.CountForTest("SELECT count(*) FROM audit_event_keys WHERE key = 'user:bob'"); got != 6 {
			t.Errorf("round %d: %d events filed under bob, want 6", round, got)
		}
		if storetest.OnPostgres() {
			if n := w.s.CountForTest(`SELECT count(*) FROM pg_indexes WHERE indexname IN ('idx_audit_events_client_id',
				'idx_audit_events_subject_user_id', 'idx_audit_events_actor_id', 'idx_audit_events_action')`); n != 0 {
				t.Errorf("round %d: %d of the dropped indexes are still there", round, n)
			}
		} else {
			schema, _ := w.s.SchemaSQLForTest("audit_event_keys")
			if !strings.HasSuffix(schema, "WITHOUT ROWID") {
				t.Errorf("round %d: audit_event_keys is %q, want it WITHOUT ROWID", round, schema)
			}
			for _, index := range []string{"idx_audit_events_client_id", "idx_audit_events_subject_user_id",
				"idx_audit_events_actor_id", "idx_audit_events_action"} {
				if schema, _ := w.s.SchemaSQLForTest(index); schema != "" {
					t.Errorf("round %d: %s is still there", round, index)
				}
			}
			wantIndexes(t, w.s, "after step 8", "idx_audit_events_occurred_at")
		}
	}
	testAuditPageFilters(t, w)
}

// Over a longer log, partly indexed, the pages and the stream of a filter
// by person, app or action give exactly the events a scan of every row
// finds: across the index mark, and across the stream's batches of 1,000.
func TestFilteredReadsAgreeWithARowScanAcrossTheMark(t *testing.T) {
	s := storetest.Open(t)
	s.StopAuditIndexerForTest()
	ctx := context.Background()
	// Two apps: each has more events than a batch of the stream.
	seed := models.AuditSeed{Seed: 7, Clients: []string{"app-a", "app-b"}}
	if err := s.SeedAuditEvents(ctx, 2500, []string{"ws-a", "ws-b"}, seed); err != nil {
		t.Fatal(err)
	}
	// Indexed through 1,200 only.
	mustExec(t, s, "DELETE FROM audit_event_keys", "UPDATE audit_index_marks SET indexed_through = 0")
	indexAuditThrough(t, s, 1200)
	var all []models.AuditEvent
	if err := s.EachAuditEvent(ctx, time.Time{}, func(ev models.AuditEvent) error {
		all = append(all, ev)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	scan := func(match func(models.AuditEvent) bool) (out []int64) {
		for _, ev := range all {
			if match(ev) {
				out = append(out, ev.ID)
			}
		}
		return out
	}
	user, client := all[0].SubjectUserID, "app-a"
	for _, tt := range []struct {
		name  string
		f     models.AuditFilter
		match func(models.AuditEvent) bool
	}{
		{"user", models.AuditFilter{UserID: user}, func(ev models.AuditEvent) bool {
			return ev.SubjectUserID == user || (ev.ActorType == models.ActorUser && ev.ActorID == user)
		}},
		{"client", models.AuditFilter{ClientID: client}, func(ev models.AuditEvent) bool { return ev.ClientID == client }},
		{"action", models.AuditFilter{Action: "grant.created"}, func(ev models.AuditEvent) bool { return ev.Action == "grant.created" }},
	} {
		want := scan(tt.match)
		if len(want) < 50 || want[0] > 1200 || want[len(want)-1] <= 1200 {
			t.Fatalf("%s: %d events; the test needs some on each side of the mark", tt.name, len(want))
		}
		if tt.name == "client" && len(want) <= 1000 {
			t.Fatalf("client: %d events; the test needs more than a batch of the stream", len(want))
		}
		if got := streamed(t, s, tt.f); !slices.Equal(got, want) {
			t.Errorf("%s: stream of %d events differs from the scan's %d", tt.name, len(got), len(want))
		}
		f := tt.f
		f.Limit = 200
		if got := allPages(t, s, f); !slices.Equal(got, reversed(want)) {
			t.Errorf("%s: pages give %d events, the scan %d", tt.name, len(got), len(want))
		}
	}
}
