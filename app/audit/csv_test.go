package audit_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/app/audit"
	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

func TestNeutraliseFormula(t *testing.T) {
	tests := map[string]string{
		"=1+1":              "'=1+1",
		"+SUM(A1)":          "'+SUM(A1)",
		"-2":                "'-2",
		"@cmd":              "'@cmd",
		"\tx":               "'\tx",
		"\rx":               "'\rx",
		"grant.created":     "grant.created",
		"":                  "",
		"a=b":               "a=b",
		`{"scopes":["x"]}`:  `{"scopes":["x"]}`,
		"Mozilla/5.0 (X11)": "Mozilla/5.0 (X11)",
	}
	for in, want := range tests {
		if got := audit.NeutraliseFormula(in); got != want {
			t.Errorf("NeutraliseFormula(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriteCSV(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	records := []struct {
		at        time.Time
		userAgent string
	}{
		{base, "=HYPERLINK(\"http://evil\")"},
		{base.Add(time.Hour), "curl/8, \"quoted\"\nnew line"},
		{base.Add(2 * time.Hour), "Mozilla"},
	}
	for _, r := range records {
		err := s.InTx(ctx, func(tx *models.Store) error {
			_, err := tx.AppendAudit(ctx, models.Actor{Type: models.ActorUser, ID: "u1", UserAgent: r.userAgent},
				models.AuditRecord{Action: "grant.created", Details: map[string]any{"k": "v"}}, r.at)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	var buf bytes.Buffer
	if err := audit.WriteCSV(ctx, &buf, s, time.Time{}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("export is not valid CSV: %v", err)
	}
	if len(rows) != 4 || rows[0][0] != "id" || rows[0][2] != "action" {
		t.Fatalf("rows = %d, header %v: want a header and 3 events", len(rows), rows[0])
	}
	if got := rows[1][10]; got != `'=HYPERLINK("http://evil")` {
		t.Errorf("formula cell exported as %q, want it neutralised", got)
	}
	if got := rows[2][10]; got != "curl/8, \"quoted\"\nnew line" {
		t.Errorf("quoted cell round-tripped as %q", got)
	}

	buf.Reset()
	if err := audit.WriteCSV(ctx, &buf, s, base.Add(90*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(buf.String(), "grant.created"); got != 1 {
		t.Errorf("--since export has %d events, want 1", got)
	}
}
