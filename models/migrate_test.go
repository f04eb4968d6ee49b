package models_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/consentry/consentry/models"
	"github.com/consentry/consentry/models/storetest"
)

// freshDSN names an empty database of the kind the suite runs on.
func freshDSN(t *testing.T) string {
	t.Helper()
	if storetest.OnPostgres() {
		return storetest.NewPostgresDatabase(t)
	}
	return filepath.Join(t.TempDir(), "c.db")
}

// mustExec runs raw SQL statements on s, in order, for a test's setup.
func mustExec(t *testing.T, s *models.Store, stmts ...string) {
	t.Helper()
	for _, stmt := range stmts {
		if err := s.ExecForTest(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
}

// wantIndexes fails the test for each index that is not in s's schema.
func wantIndexes(t *testing.T, s *models.Store, when string, indexes ...string) {
	t.Helper()
	for _, index := range indexes {
		if schema, err := s.SchemaSQLForTest(index); err != nil || schema == "" {
			t.Errorf("%s: index %s is missing (%v)", when, index, err)
		}
	}
}

// The token_workspaces table and index as the builds before step 9 made
// them on SQLite (before step 7, with a rowid).
const (
	tokenWorkspacesBeforeStep9 = "CREATE TABLE `token_workspaces` (`token_id` text,`workspace_id` text,PRIMARY KEY (`token_id`,`workspace_id`)," +
		"CONSTRAINT `fk_token_workspaces_token` FOREIGN KEY (`token_id`) REFERENCES `tokens`(`id`) ON DELETE CASCADE," +
		"CONSTRAINT `fk_token_workspaces_workspace` FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON DELETE CASCADE)"
	tokenWorkspacesIndexBeforeStep9 = "CREATE INDEX `idx_token_workspaces_workspace_token` ON `token_workspaces`(`workspace_id`,`token_id`)"
)

// openUnmigrated opens a store without migrating it.
func openUnmigrated(t *testing.T, dsn string) *models.Store {
	t.Helper()
	s, err := models.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestMigrationsAreAppliedOnceInOrder(t *testing.T) {
	ctx := context.Background()
	s := openUnmigrated(t, freshDSN(t))
	pending, err := s.Migrations(ctx)
	if err != nil {
		t.Fatalf("Migrations on an empty database: %v", err)
	}
	for i, m := range pending {
		if m.Version != i+1 || m.Name == "" || !m.AppliedAt.IsZero() {
			t.Fatalf("step %d before migrating = %+v, want version %d, a name, not applied", i, m, i+1)
		}
	}
	applied, err := s.ApplyMigrations(ctx)
	if err != nil {
		t.Fatalf("ApplyMigrations: %v", err)
	}
	if len(applied) != len(pending) {
		t.Fatalf("first ApplyMigrations applied %d steps, want all %d", len(applied), len(pending))
	}
	again, err := s.ApplyMigrations(ctx)
	if err != nil || len(again) != 0 {
		t.Fatalf("second ApplyMigrations = %+v, %v; want nothing to do", again, err)
	}
	all, err := s.Migrations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range all {
		if m.AppliedAt.IsZero() {
			t.Errorf("step %d (%s) is not recorded as applied", m.Version, m.Name)
		}
	}
}

func TestMigrateAdoptsADatabaseFromBeforeVersioning(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	u := newUser(t, s, "early@example.com")
	// A database made by a build without versioned migrations has every
	// table but no schema_migrations.
	mustExec(t, s, "DROP TABLE schema_migrations")
	applied, err := s.ApplyMigrations(ctx)
	if err != nil {
		t.Fatalf("ApplyMigrations on an unversioned database: %v", err)
	}
	if len(applied) == 0 {
		t.Fatal("no step recorded on an unversioned database")
	}
	if _, err := s.UserByID(ctx, u.ID); err != nil {
		t.Fatalf("data lost by adopting the database: %v", err)
	}
	if _, err := s.AppendAudit(ctx, auditActor, models.AuditRecord{Action: "test.after"}, time.Now()); err != nil {
		t.Fatalf("audit chain after adopting: %v", err)
	}
}

// Step 6 on a database from before it: the full unique index on (user,
// client) gives way to one on live grants only, and a revoked grant kept
// from before stays revoked when the person approves the app again.
func TestStep6LetsARevokedGrantFromBeforeItStayRevoked(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	u := newUser(t, s, "step6@example.com")
	c := newClient(t, s, "step6-app")
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	old := putGrant(t, s, u, c.ID, "openid", nil, at)
	if _, err := s.RevokeGrant(ctx, old, at); err != nil {
		t.Fatal(err)
	}
	// The schema as the builds before step 6 left it.
	mustExec(t, s,
		"DROP INDEX idx_grants_live_user_client",
		"DROP INDEX idx_grants_user_id",
		"CREATE UNIQUE INDEX idx_grants_user_client ON grants (user_id, client_id)",
		"DELETE FROM schema_migrations WHERE version >= 6",
	)
	applied, err := s.ApplyMigrations(ctx)
	if err != nil {
		t.Fatalf("ApplyMigrations: %v", err)
	}
	if len(applied) == 0 || applied[0].Version != 6 {
		t.Fatalf("applied %+v, want step 6 first", applied)
	}
	again := putGrant(t, s, u, c.ID, "openid profile", nil, at.Add(time.Hour))
	if again == old {
		t.Fatalf("approving again after step 6 revived the revoked grant %s", old)
	}
	g, err := s.ActiveGrantOf(ctx, u.ID, c.ID)
	if err != nil || g.ID != again {
		t.Fatalf("live grant = %+v, %v; want the new grant %s", g.ID, err, again)
	}
	if !storetest.OnPostgres() {
		wantIndexes(t, s, "after step 6", "idx_grants_live_user_client", "idx_grants_user_id")
		if schema, _ := s.SchemaSQLForTest("idx_grants_user_client"); schema != "" {
			t.Errorf("the full unique index is still there: %s", schema)
		}
	}
	// And there is still only one live grant per person and app.
	if err := s.ExecForTest("UPDATE grants SET revoked_at = NULL WHERE id = '" + old + "'"); err == nil {
		t.Error("a second live grant of the same person to the same app was accepted")
	}
}

// Step 7 rebuilds the tables of two ids without a rowid on SQLite, keeping
// every row and index; run again, it changes nothing.
func TestStep7RebuildsWorkspaceTablesWithoutRowID(t *testing.T) {
	if storetest.OnPostgres() {
		t.Skip("a SQLite table layout")
	}
	ctx := context.Background()
	s := storetest.Open(t)
	u := newUser(t, s, "step7@example.com")
	c := newClient(t, s, "step7-app")
	w := newWorkspace(t, s, "A", u)
	grant := putGrant(t, s, u, c.ID, "workspace:read", []string{w.ID}, time.Now())
	tok := models.Token{ID: "step7-token", Hash: []byte("0123456789abcdef0123456789abcdef"), Kind: models.AccessToken,
		GrantID: grant, ClientID: c.ID, UserID: u.ID, FamilyID: "step7-family", Scopes: "workspace:read",
		NeedsWorkspace: true, ExpiresAt: time.Now().Add(time.Hour)}
	if err := s.CreateTokens(ctx, []string{w.ID}, &tok); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendAudit(ctx, auditActor, models.AuditRecord{Action: "test.step7", WorkspaceIDs: []string{w.ID}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	// The tables as the builds before step 7 made them, rows kept.
	mustExec(t, s,
		"CREATE TABLE old_tw AS SELECT token_id, workspace_id FROM token_workspaces",
		"CREATE TABLE old_aw AS SELECT * FROM audit_event_workspaces",
		"CREATE TABLE old_gw AS SELECT * FROM grant_workspaces",
		"DROP TABLE token_workspaces",
		"DROP TABLE audit_event_workspaces",
		"DROP TABLE grant_workspaces",
		tokenWorkspacesBeforeStep9,
		tokenWorkspacesIndexBeforeStep9,
		"CREATE TABLE `audit_event_workspaces` (`workspace_id` text,`event_id` integer,PRIMARY KEY (`workspace_id`,`event_id`))",
		"CREATE TABLE `grant_workspaces` (`grant_id` text,`workspace_id` text,PRIMARY KEY (`grant_id`,`workspace_id`),"+
			"CONSTRAINT `fk_grant_workspaces_grant` FOREIGN KEY (`grant_id`) REFERENCES `grants`(`id`) ON DELETE CASCADE,"+
			"CONSTRAINT `fk_grant_workspaces_workspace` FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON DELETE CASCADE)",
		"CREATE INDEX `idx_grant_workspaces_workspace_id` ON `grant_workspaces`(`workspace_id`)",
		"INSERT INTO token_workspaces SELECT * FROM old_tw",
		"INSERT INTO audit_event_workspaces SELECT * FROM old_aw",
		"INSERT INTO grant_workspaces SELECT * FROM old_gw",
		"DROP TABLE old_tw",
		"DROP TABLE old_aw",
		"DROP TABLE old_gw",
		"DELETE FROM schema_migrations WHERE version >= 7",
	)
	for round := range 2 {
		if round == 1 {
			mustExec(t, s, "DELETE FROM schema_migrations WHERE version >= 7")
		}
		if _, err := s.ApplyMigrations(ctx); err != nil {
			t.Fatalf("round %d: ApplyMigrations: %v", round, err)
		}
		for _, table := range []string{"token_workspaces", "audit_event_workspaces", "grant_workspaces"} {
			schema, err := s.SchemaSQLForTest(table)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(schema, "WITHOUT ROWID") || strings.Contains(schema, "_rebuilt") {
				t.Errorf("round %d: %s is %q, want it WITHOUT ROWID under its own name", round, table, schema)
			}
		}
		// Step 9 swapped the token workspaces' index for one by grant.
		wantIndexes(t, s, fmt.Sprintf("round %d", round), "idx_token_workspaces_grant_workspace", "idx_grant_workspaces_workspace_id")
		if g, err := s.ActiveGrantOf(ctx, u.ID, c.ID); err != nil || len(g.WorkspaceIDs) != 1 || g.WorkspaceIDs[0] != w.ID {
			t.Errorf("round %d: grant workspaces = %v, %v; want [%s]", round, g.WorkspaceIDs, err, w.ID)
		}
		got, err := s.TokenWorkspaceIDs(ctx, tok.ID, grant)
		if err != nil || len(got) != 1 || got[0] != w.ID {
			t.Errorf("round %d: token workspaces = %v, %v; want [%s]", round, got, err, w.ID)
		}
		page, _, err := s.AuditPage(ctx, models.AuditFilter{WorkspaceID: w.ID, Action: "test.step7"})
		if err != nil || len(page) != 1 {
			t.Errorf("round %d: the audit event under its workspace = %d events, %v; want 1", round, len(page), err)
		}
	}
	// Deleting the token still takes its workspace rows with it.
	mustExec(t, s, "DELETE FROM tokens WHERE id = 'step7-token'")
	if got, err := s.TokenWorkspaceIDs(ctx, tok.ID, grant); err != nil || len(got) != 0 {
		t.Errorf("a deleted token's workspaces = %v, %v; want none", got, err)
	}
}

func TestInstancesStartingTogetherMigrateOnce(t *testing.T) {
	ctx := context.Background()
	dsn := freshDSN(t)
	const instances = 4
	stores := make([]*models.Store, instances)
	for i := range stores {
		stores[i] = openUnmigrated(t, dsn)
	}
	var wg sync.WaitGroup
	errs := make([]error, instances)
	steps := make([]int, instances)
	start := make(chan struct{})
	for i, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			applied, err := s.ApplyMigrations(ctx)
			errs[i], steps[i] = err, len(applied)
		}()
	}
	close(start)
	wg.Wait()
	total := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: ApplyMigrations: %v", i, err)
		}
		total += steps[i]
	}
	all, err := stores[0].Migrations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if total != len(all) {
		t.Errorf("instances applied %d steps between them (%v), want each of the %d once", total, steps, len(all))
	}
	var rows int64
	if err := stores[0].ScanForTest(&rows, "SELECT count(*) FROM schema_migrations"); err != nil || rows != int64(len(all)) {
		t.Errorf("schema_migrations holds %d rows (%v), want %d", rows, err, len(all))
	}
}

func TestPostgresMigrationWaitsForTheInstanceHoldingTheLock(t *testing.T) {
	storetest.RequirePostgres(t)
	dsn := storetest.NewPostgresDatabase(t)
	s := openUnmigrated(t, dsn)
	ctx := context.Background()
	holder, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close(ctx)
	key := models.MigrationLockKey
	if _, err := holder.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := s.ApplyMigrations(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ApplyMigrations while another instance migrates = %v, want it to wait (and time out here)", err)
	}
	done := make(chan error, 1)
	go func() { _, err := s.ApplyMigrations(ctx); done <- err }()
	time.Sleep(100 * time.Millisecond)
	if _, err := holder.Exec(ctx, "SELECT pg_advisory_unlock($1)", key); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ApplyMigrations after the lock was released: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ApplyMigrations still waiting after the lock was released")
	}
}
