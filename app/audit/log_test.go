package audit_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/app/audit"
	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

const (
	wsA = "11111111-1111-4111-8111-111111111111"
	wsB = "22222222-2222-4222-8222-222222222222"
)

func TestRedact(t *testing.T) {
	both := models.AuditEvent{
		Action: "grant.updated", WorkspaceIDs: wsA + " " + wsB,
		Details: `{"workspaces_added":["` + wsB + `"],"workspaces_removed":["` + wsA + `"]}`,
	}
	tests := []struct {
		name, scope        string
		in                 models.AuditEvent
		wantWS, wantDetail string
	}{
		{"platform view", "", both, both.WorkspaceIDs, both.Details},
		{"A's view hides B", wsA, both, wsA + " other-workspace",
			`{"workspaces_added":["other-workspace"],"workspaces_removed":["` + wsA + `"]}`},
		{"B's view hides A", wsB, both, "other-workspace " + wsB,
			`{"workspaces_added":["` + wsB + `"],"workspaces_removed":["other-workspace"]}`},
		{"an event of A alone", wsA, models.AuditEvent{WorkspaceIDs: wsA, Details: `{"x":"` + wsA + `"}`}, wsA, `{"x":"` + wsA + `"}`},
	}
	for _, tt := range tests {
		got := audit.Redact(tt.in, tt.scope)
		if got.WorkspaceIDs != tt.wantWS || got.Details != tt.wantDetail {
			t.Errorf("%s: %q %s, want %q %s", tt.name, got.WorkspaceIDs, got.Details, tt.wantWS, tt.wantDetail)
		}
	}
}

// logWorld is a trail with events in A, in B, in both, and in neither,
// one of them carrying a formula and a quote in its user agent.
func logWorld(t *testing.T) *models.Store {
	t.Helper()
	s := storetest.Open(t)
	ctx := context.Background()
	base := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	for i, rec := range []struct {
		ws []string
		ua string
	}{
		{[]string{wsA}, "=cmd|' /C calc'!A0"},
		{[]string{wsB}, "Mozilla"},
		{[]string{wsA, wsB}, `curl "quoted", with comma`},
		{nil, "-2+3"},
		{[]string{wsB}, "@SUM(1)"},
	} {
		err := s.InTx(ctx, func(tx *models.Store) error {
			_, err := tx.AppendAudit(ctx, models.Actor{Type: models.ActorUser, ID: "u1", UserAgent: rec.ua},
				models.AuditRecord{Action: "grant.created", SubjectUserID: "u1", ClientID: "pixel", WorkspaceIDs: rec.ws,
					Details: map[string]any{"workspace_ids": rec.ws}}, base.Add(time.Duration(i)*time.Hour))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func exportRows(t *testing.T, log *audit.Log, scope string, f models.AuditFilter) [][]string {
	t.Helper()
	var buf bytes.Buffer
	if err := log.ExportCSV(context.Background(), &buf, scope, f); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("export is not valid CSV: %v\n%s", err, buf.String())
	}
	return rows
}

func column(rows [][]string, i int) []string {
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[i])
	}
	return out
}

// TestLogScopeWinsOverTheFilter: a workspace's view asked for another
// workspace's events still returns only its own, on pages and in CSV.
func TestLogScopeWinsOverTheFilter(t *testing.T) {
	log := audit.NewLog(logWorld(t), nil)
	ctx := context.Background()
	page, err := log.Page(ctx, wsA, models.AuditFilter{WorkspaceID: wsB})
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, e := range page.Entries {
		got = append(got, e.Event.ID)
		if strings.Contains(e.Raw, wsB) || strings.Contains(e.Event.Details, wsB) {
			t.Errorf("event %d in A's view shows B's id: %s", e.Event.ID, e.Raw)
		}
	}
	if !slices.Equal(got, []int64{3, 1}) {
		t.Errorf("A's view asked for B: events %v, want 3 and 1", got)
	}
	rows := exportRows(t, log, wsA, models.AuditFilter{WorkspaceID: wsB, Before: 2})
	if ids := column(rows, 0); !slices.Equal(ids, []string{"1", "3"}) {
		t.Errorf("A's CSV asked for B from a cursor: ids %v, want 1 and 3 (all of A's, oldest first)", ids)
	}
	for _, r := range rows[1:] {
		if line := strings.Join(r, ","); strings.Contains(line, wsB) {
			t.Errorf("A's CSV shows B's id: %s", line)
		}
	}
	if ws := column(rows, 7); ws[1] != wsA+" other-workspace" {
		t.Errorf("shared event's workspaces in A's CSV = %q", ws[1])
	}
	// The platform's view is the whole trail, unredacted.
	if ids := column(exportRows(t, log, "", models.AuditFilter{}), 0); len(ids) != 5 {
		t.Errorf("platform CSV has %d events, want 5", len(ids))
	}
	if ws := column(exportRows(t, log, "", models.AuditFilter{WorkspaceID: wsB}), 7); !slices.Equal(ws, []string{wsB, wsA + " " + wsB, wsB}) {
		t.Errorf("platform CSV filtered to B: workspaces %q", ws)
	}
}

func TestExportCSVQuotingAndFormulas(t *testing.T) {
	log := audit.NewLog(logWorld(t), nil)
	rows := exportRows(t, log, "", models.AuditFilter{})
	if got := strings.Join(rows[0], ","); got != "id,occurred_at,action,actor_type,actor_id,subject_user_id,client_id,workspace_ids,details,ip,user_agent,prev_hash,hash" {
		t.Errorf("header = %s", got)
	}
	want := []string{"'=cmd|' /C calc'!A0", "Mozilla", `curl "quoted", with comma`, "'-2+3", "'@SUM(1)"}
	if got := column(rows, 10); !slices.Equal(got, want) {
		t.Errorf("user agents = %q, want %q", got, want)
	}
	var header bytes.Buffer
	if err := audit.WriteCSVHeader(&header); err != nil || header.String() != strings.Join(rows[0], ",")+"\n" {
		t.Errorf("WriteCSVHeader = %q, %v", header.String(), err)
	}
}

func TestLogPageWordsEachEvent(t *testing.T) {
	s := logWorld(t)
	ctx := context.Background()
	page, err := audit.NewLog(s, nil).Page(ctx, "", models.AuditFilter{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 2 || page.Next != 4 || page.Entries[0].Event.ID != 5 {
		t.Fatalf("page = %d entries, next %d", len(page.Entries), page.Next)
	}
	for _, e := range page.Entries {
		if e.Sentence == "" || e.Raw == "" || e.Actor.Name == "" {
			t.Errorf("entry %d is not worded: %+v", e.Event.ID, e)
		}
	}
}

// countingStore counts name look-ups.
type countingStore struct {
	*models.Store
	lookups int
}

func (c *countingStore) DisplayNames(ctx context.Context, ids models.NameIDs) (models.DisplayNames, error) {
	c.lookups++
	return c.Store.DisplayNames(ctx, ids)
}

func TestLogPageLooksUpNamesOncePerPage(t *testing.T) {
	s := &countingStore{Store: logWorld(t)}
	page, err := audit.NewLog(s, nil).Page(context.Background(), "", models.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 5 || s.lookups != 1 {
		t.Errorf("%d entries took %d name look-ups, want one for the page", len(page.Entries), s.lookups)
	}
}
