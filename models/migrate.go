package models

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// The schema moves forward through numbered steps, each applied once and
// recorded in schema_migrations in the same transaction as its changes, so a
// step is either wholly applied and recorded or not at all.
//
// Step 1 is the baseline: the tables as the models describe them
// (AutoMigrate), which also brings databases made before versioning up to
// it. Every later step is explicit, and must also hold on a database whose
// step 1 ran with today's models, where the change may already be there:
// use Migrator().HasColumn, CREATE INDEX IF NOT EXISTS and the like. A
// schema change is a new step at the end of migrations(), never an edit of
// an old one.
//
// Instances may start together. On PostgreSQL the migrating instance holds
// an advisory lock, on a connection of its own, from reading what is applied
// to recording the last step; the others wait for it and then find nothing
// to do. On SQLite each step's transaction takes the write lock at BEGIN
// (_txlock=immediate) and checks again, under it, that the step is still
// unapplied.

// MigrationLockKey is the PostgreSQL advisory lock held while migrating
// (pg_advisory_lock(MigrationLockKey)): an arbitrary constant ("consent" in
// ASCII) that other applications sharing the database are unlikely to use.
const MigrationLockKey int64 = 0x636f6e73656e74

// SchemaMigration records one applied step.
type SchemaMigration struct {
	Version   int    `gorm:"primaryKey;autoIncrement:false"`
	Name      string `gorm:"size:200;not null"`
	AppliedAt time.Time
}

// migration is one step of the schema.
type migration struct {
	version int
	name    string
	apply   func(ctx context.Context, tx *Store) error
}

// migrations lists every step in order. Versions are 1, 2, 3, … with no gaps.
func migrations() []migration {
	return []migration{
		{1, "baseline schema", func(ctx context.Context, tx *Store) error {
			return tx.conn(ctx).AutoMigrate(baselineModels()...)
		}},
		{2, "token epoch and audit chain head rows", func(ctx context.Context, tx *Store) error {
			if err := tx.ensureTokenEpoch(ctx); err != nil {
				return err
			}
			return tx.ensureAuditHead(ctx)
		}},
		{3, "index audit events by actor", func(ctx context.Context, tx *Store) error {
			return tx.conn(ctx).Exec("CREATE INDEX IF NOT EXISTS idx_audit_events_actor_id ON audit_events (actor_id)").Error
		}},
		{4, "drop the token indexes by user and by client (found through grants)", func(ctx context.Context, tx *Store) error {
			return tx.execEach(ctx, "DROP INDEX IF EXISTS idx_tokens_user_id", "DROP INDEX IF EXISTS idx_tokens_client_id")
		}},
		// The consent form now carries its request signed (app/grants), so
		// pending_authorizations is no longer written; it stays, and the
		// baseline still creates it, for builds before this one.
		{5, "consent answers (consent requests travel signed in the form)", func(ctx context.Context, tx *Store) error {
			return tx.conn(ctx).AutoMigrate(&ConsentAnswer{})
		}},
		// Revoking a grant no longer writes its tokens: they die with its
		// row, which is never revived (grant.go). Builds before this step
		// revive the row through an upsert on the full unique index, so they
		// cannot start on a database that has it (their prepared upsert
		// fails), rather than bring revoked tokens back.
		{6, "one live grant per user and app; a revoked grant stays revoked", func(ctx context.Context, tx *Store) error {
			return tx.execEach(ctx,
				"DROP INDEX IF EXISTS idx_grants_user_client",
				"CREATE UNIQUE INDEX IF NOT EXISTS idx_grants_live_user_client ON grants (user_id, client_id) WHERE revoked_at IS NULL",
				"CREATE INDEX IF NOT EXISTS idx_grants_user_id ON grants (user_id)",
			)
		}},
		{7, "token, audit event and grant workspaces without rowid (SQLite)", func(ctx context.Context, tx *Store) error {
			if tx.postgres() {
				return nil
			}
			for _, table := range withoutRowIDTables {
				if err := tx.rebuildWithoutRowID(ctx, table); err != nil {
					return err
				}
			}
			return nil
		}},
		{8, "audit events filed by person, app and action behind the log (audit_event_keys)", func(ctx context.Context, tx *Store) error {
			return tx.createAuditIndex(ctx)
		}},
		{9, "token workspaces filed by grant (a cascade reads one range)", func(ctx context.Context, tx *Store) error {
			return tx.fileTokenWorkspacesByGrant(ctx)
		}},
		// A refresh writes two tokens, and each index of tokens is a page
		// of every batch's commit. A family lies within one grant, so one
		// index by both serves what the two served. Builds before this step
		// revoke a family by family_id alone, which now reads the whole
		// table: only on code replay, refresh-token reuse and the
		// revocation of a refresh token, while they still run.
		{10, "tokens filed by grant and family in one index (one page fewer per token)", func(ctx context.Context, tx *Store) error {
			return tx.execEach(ctx,
				"CREATE INDEX IF NOT EXISTS idx_tokens_grant_family ON tokens (grant_id, family_id)",
				"DROP INDEX IF EXISTS idx_tokens_grant_id",
				"DROP INDEX IF EXISTS idx_tokens_family_id",
			)
		}},
		// Revoking a grant counts its live tokens for its audit event. By
		// the index of step 10 that read every token's row: 0.8 of the
		// 1.3 ms a revocation of 1,000 tokens took. This index holds only
		// live tokens, with their expiry, so the count reads it alone. A
		// token leaves it when it is revoked (one more page in that commit)
		// or rotated (the page its successor is written to). Every query
		// by grant or family now asks for unrotated tokens too, as the
		// index needs: rotated ones were dead already. Builds before this
		// step do not, and read the whole table for a family's, a narrowed
		// grant's or a disabled client's tokens while they still run.
		{11, "live tokens filed by grant, family and expiry (dead ones leave the index)", func(ctx context.Context, tx *Store) error {
			return tx.execEach(ctx,
				"CREATE INDEX IF NOT EXISTS idx_tokens_live_grant_family ON tokens (grant_id, family_id, expires_at) WHERE revoked_at IS NULL AND rotated_at IS NULL",
				"DROP INDEX IF EXISTS idx_tokens_grant_family",
			)
		}},
	}
}

// execEach runs a step's statements in order, stopping at the first error.
func (s *Store) execEach(ctx context.Context, stmts ...string) error {
	for _, stmt := range stmts {
		if err := s.conn(ctx).Exec(stmt).Error; err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}

// Migration is a schema step as the migrate command reports it.
type Migration struct {
	Version int
	Name    string
	// AppliedAt is when the step was applied; zero while it is pending.
	AppliedAt time.Time
}

// Migrate brings the schema up to date. It is safe to call from several
// instances at once, and cheap when there is nothing to do.
func (s *Store) Migrate(ctx context.Context) error {
	if _, err := s.ApplyMigrations(ctx); err != nil {
		return err
	}
	return s.prepareHotStatements(ctx)
}

// ApplyMigrations applies the pending steps in order and returns those this
// call applied (none when another instance got there first).
func (s *Store) ApplyMigrations(ctx context.Context) ([]Migration, error) {
	unlock, err := s.lockMigrations(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	// In a transaction, so that on SQLite two processes cannot both find
	// the table missing.
	err = s.InTx(ctx, func(tx *Store) error { return tx.conn(ctx).AutoMigrate(&SchemaMigration{}) })
	if err != nil {
		return nil, fmt.Errorf("migrate schema: create schema_migrations: %w", err)
	}
	var applied []Migration
	for _, m := range migrations() {
		done, err := s.applyMigration(ctx, m)
		if err != nil {
			return applied, err
		}
		if done != nil {
			applied = append(applied, *done)
		}
	}
	return applied, nil
}

// applyMigration applies one step unless it is already recorded, and
// returns it when it did.
func (s *Store) applyMigration(ctx context.Context, m migration) (*Migration, error) {
	var done *Migration
	err := s.InTx(ctx, func(tx *Store) error {
		var n int64
		if err := tx.conn(ctx).Model(&SchemaMigration{}).Where("version = ?", m.version).Count(&n).Error; err != nil {
			return fmt.Errorf("read schema version: %w", translate(err))
		}
		if n > 0 {
			return nil
		}
		if err := m.apply(ctx, tx); err != nil {
			return err
		}
		row := SchemaMigration{Version: m.version, Name: m.name, AppliedAt: time.Now().UTC()}
		if err := tx.conn(ctx).Create(&row).Error; err != nil {
			return fmt.Errorf("record schema version: %w", translate(err))
		}
		done = &Migration{Version: row.Version, Name: row.Name, AppliedAt: row.AppliedAt}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("migrate schema: step %d (%s): %w", m.version, m.name, err)
	}
	return done, nil
}

// Migrations lists every step this build knows, applied or pending, in
// order. Steps recorded by a newer build (during a rolling upgrade) are not
// listed: steps add, so this build keeps working beside them — except
// across step 6 (see migrations).
func (s *Store) Migrations(ctx context.Context) ([]Migration, error) {
	recorded := map[int]SchemaMigration{}
	if s.conn(ctx).Migrator().HasTable(&SchemaMigration{}) {
		var rows []SchemaMigration
		if err := s.conn(ctx).Order("version").Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("read schema versions: %w", translate(err))
		}
		for _, r := range rows {
			recorded[r.Version] = r
		}
	}
	var out []Migration
	for _, m := range migrations() {
		out = append(out, Migration{Version: m.version, Name: m.name, AppliedAt: recorded[m.version].AppliedAt})
	}
	return out, nil
}

// lockMigrations keeps other instances from migrating until unlock. On
// PostgreSQL it takes the advisory lock on a connection of its own (a
// session lock lives as long as its connection, so it cannot leak into the
// pool); closing that connection releases it. On SQLite, where the write
// lock serialises each step, it does nothing.
func (s *Store) lockMigrations(ctx context.Context) (unlock func(), err error) {
	if s.pg == nil {
		return func() {}, nil
	}
	config := s.pg.config.Copy()
	// Giving up the wait (ctx ends) must end it on the server too, or the
	// abandoned session would still take the lock when it comes free.
	config.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: time.Second}
	}
	conn, err := pgx.ConnectConfig(ctx, config)
	if err != nil {
		return nil, fmt.Errorf("migrate schema: connect for the migration lock: %w", err)
	}
	closeConn := func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", MigrationLockKey); err != nil {
		closeConn()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("migrate schema: gave up waiting for another instance to finish migrating: %w", ctx.Err())
		}
		return nil, fmt.Errorf("migrate schema: take the migration lock: %w", err)
	}
	return closeConn, nil
}
