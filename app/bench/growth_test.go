package bench

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

func TestGrowthIsOptIn(t *testing.T) {
	if !slices.Contains(Workloads(), Growth) || slices.Contains(DefaultWorkloads(), Growth) {
		t.Errorf("Workloads() = %v, DefaultWorkloads() = %v; want growth only in the first", Workloads(), DefaultWorkloads())
	}
	if got, err := Select([]string{Growth}); err != nil || len(got) != 1 || !got[Growth] {
		t.Errorf("Select(growth) = %v, %v", got, err)
	}
}

func TestGrowthNeedsServersOfItsOwn(t *testing.T) {
	_, err := Run(context.Background(), Options{URL: "http://127.0.0.1:1", DB: "x.db", Only: []string{Growth}})
	if err == nil || !strings.Contains(err.Error(), "growth compares fresh databases of its own") {
		t.Errorf("Run(growth, --url) = %v, want it refused", err)
	}
}

var growthRowNameTests = []struct {
	n, conc int
	want    string
}{
	{0, 1, "flow c1 (empty database)"},
	{10_000, 8, "flow c8 (+10k codes, tokens, audit events)"},
	{100_000, 1, "flow c1 (+100k codes, tokens, audit events)"},
	{50, 1, "flow c1 (+50 codes, tokens, audit events)"},
}

func TestGrowthRowName(t *testing.T) {
	for _, tt := range growthRowNameTests {
		if got := growthRowName(tt.n, tt.conc); got != tt.want {
			t.Errorf("growthRowName(%d, %d) = %q, want %q", tt.n, tt.conc, got, tt.want)
		}
	}
}

var changeVsEmptyTests = []struct {
	rate, empty float64
	want        string
}{
	{96.9, 100, "-3.1% vs empty"},
	{431.4, 420, "+2.7% vs empty"},
	{50, 100, "-50.0% vs empty"},
	{99.96, 100, "+0.0% vs empty"},
	{100.04, 100, "+0.0% vs empty"},
	{0, 100, "-100.0% vs empty"},
	{300, 0, ""},
}

func TestChangeVsEmpty(t *testing.T) {
	for _, tt := range changeVsEmptyTests {
		if got := changeVsEmpty(tt.rate, tt.empty); got != tt.want {
			t.Errorf("changeVsEmpty(%v, %v) = %q, want %q", tt.rate, tt.empty, got, tt.want)
		}
	}
}

func TestGrowthNotes(t *testing.T) {
	rows := []Row{
		{Workload: Flow, Name: "flow", Concurrency: 1, OpsPerSec: 500, Note: "main phase"},
		{Workload: Growth, Concurrency: 1, OpsPerSec: 400},
		{Workload: Growth, Concurrency: 8, OpsPerSec: 800},
		{Workload: Growth, Concurrency: 1, Stored: 10_000, OpsPerSec: 396},
		{Workload: Growth, Concurrency: 8, Stored: 100_000, OpsPerSec: 880},
		{Workload: Growth, Concurrency: 4, Stored: 100_000, OpsPerSec: 600},
	}
	growthNotes(rows)
	want := []string{"main phase", "", "", "-1.0% vs empty", "+10.0% vs empty", ""}
	for i, r := range rows {
		if r.Note != want[i] {
			t.Errorf("row %d note = %q, want %q", i, r.Note, want[i])
		}
	}
}

// TestSeedGrowth seeds small growth databases and counts, in the file,
// what they hold and that every row belongs where it says.
func TestSeedGrowth(t *testing.T) {
	for _, tt := range []struct {
		name           string
		n, grants      int
		crowdMembers   int
		flowUserGrants int
	}{
		{"empty", 0, 0, 0, 0},
		{"fewer grants than flow people", 50, 5, 0, 5},
		{"a crowd beside the flow people", 200, 20, 12, maxFlowWorkers},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "growth.db")
			s := newSeeder(storetest.OpenAt(t, path), models.DefaultCatalog(), "t")
			w, err := seedGrowth(ctx, s, tt.n, time.Second)
			if err != nil {
				t.Fatalf("seedGrowth(%d): %v", tt.n, err)
			}
			if len(w.users[Flow]) != maxFlowWorkers || w.app.id == "" {
				t.Fatalf("flow world = %+v, want the app and %d people", w, maxFlowWorkers)
			}
			db, err := sql.Open("sqlite3", path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			count := func(query string, args ...any) int {
				t.Helper()
				var n int
				if err := db.QueryRow(query, args...).Scan(&n); err != nil {
					t.Fatalf("%s: %v", query, err)
				}
				return n
			}
			now := time.Now().UTC()
			crowd := count(`SELECT COUNT(*) FROM memberships WHERE role = ?`, models.RoleMember)
			for _, c := range []struct {
				what      string
				got, want int
			}{
				{"codes", count(`SELECT COUNT(*) FROM auth_codes`), tt.n},
				{"tokens", count(`SELECT COUNT(*) FROM tokens`), tt.n},
				{"seeded audit events", count(`SELECT COUNT(*) FROM audit_events WHERE user_agent = 'Mozilla/5.0 (seed)'`), tt.n},
				{"grants", count(`SELECT COUNT(*) FROM grants`), tt.grants},
				{"people with a grant", count(`SELECT COUNT(DISTINCT user_id) FROM grants`), tt.grants},
				{"crowd members", crowd, tt.crowdMembers},
				{"grants of the flow's people to its app", count(`SELECT COUNT(*) FROM grants g JOIN users u ON u.id = g.user_id
					WHERE g.client_id = ? AND u.email LIKE 'flow-%'`, w.app.id), tt.flowUserGrants},
				{"codes not of their grant's person and app", count(`SELECT COUNT(*) FROM auth_codes c LEFT JOIN grants g
					ON g.id = c.grant_id AND g.user_id = c.user_id AND g.client_id = c.client_id WHERE g.id IS NULL`), 0},
				{"tokens not of their code's grant", count(`SELECT COUNT(*) FROM tokens t LEFT JOIN auth_codes c
					ON c.id = t.family_id AND c.grant_id = t.grant_id AND c.user_id = t.user_id WHERE c.id IS NULL`), 0},
				{"tokens from an unused code", count(`SELECT COUNT(*) FROM tokens t JOIN auth_codes c ON c.id = t.family_id WHERE c.used_at IS NULL`), 0},
				{"tokens reaching a workspace their person is not in", count(`SELECT COUNT(*) FROM token_workspaces tw
					JOIN tokens t ON t.id = tw.token_id LEFT JOIN memberships m ON m.workspace_id = tw.workspace_id AND m.user_id = t.user_id
					WHERE m.user_id IS NULL`), 0},
				{"tokens reaching no workspace", count(`SELECT COUNT(*) FROM tokens WHERE id NOT IN (SELECT token_id FROM token_workspaces)`), 0},
			} {
				if c.got != c.want {
					t.Errorf("%s: %d, want %d", c.what, c.got, c.want)
				}
			}
			if tt.n == 0 {
				return
			}
			// The rows the flow's queries look up sit among the others, in
			// every state.
			for what, query := range map[string]string{
				"codes of the flow's app":            `SELECT COUNT(*) FROM auth_codes WHERE client_id = ?`,
				"tokens of the flow's app":           `SELECT COUNT(*) FROM tokens WHERE client_id = ?`,
				"audit events naming the flow's app": `SELECT COUNT(*) FROM audit_events WHERE client_id = ?`,
			} {
				if got := count(query, w.app.id); got == 0 {
					t.Errorf("%s: none", what)
				}
			}
			if got := count(`SELECT COUNT(*) FROM auth_codes WHERE user_id = ?`, w.users[Flow][0].id); got == 0 {
				t.Errorf("codes of the first flow person: none")
			}
			for _, c := range []struct{ what, query string }{
				{"used codes", `SELECT COUNT(*) FROM auth_codes WHERE used_at IS NOT NULL`},
				{"expired unused codes", `SELECT COUNT(*) FROM auth_codes WHERE used_at IS NULL AND expires_at < ?`},
				{"live unused codes", `SELECT COUNT(*) FROM auth_codes WHERE used_at IS NULL AND expires_at > ?`},
				{"live access tokens", `SELECT COUNT(*) FROM tokens WHERE kind = 'access' AND expires_at > ?`},
				{"expired access tokens", `SELECT COUNT(*) FROM tokens WHERE kind = 'access' AND expires_at < ?`},
				{"live refresh tokens", `SELECT COUNT(*) FROM tokens WHERE kind = 'refresh' AND expires_at > ? AND revoked_at IS NULL AND rotated_at IS NULL`},
				{"rotated refresh tokens", `SELECT COUNT(*) FROM tokens WHERE kind = 'refresh' AND rotated_at IS NOT NULL`},
				{"revoked tokens", `SELECT COUNT(*) FROM tokens WHERE revoked_at IS NOT NULL`},
			} {
				var args []any
				if strings.Contains(c.query, "?") {
					args = append(args, now)
				}
				if got := count(c.query, args...); got == 0 {
					t.Errorf("%s: none", c.what)
				}
			}
			if _, err := s.store.VerifyAudit(ctx); err != nil {
				t.Errorf("audit chain after seeding: %v", err)
			}
		})
	}
}
