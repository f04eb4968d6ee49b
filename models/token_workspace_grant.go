package models

import (
	"context"
	"fmt"
)

// Schema step 9: every token_workspaces row carries its token's grant
// (token_grant_id), and the table is indexed by (token_grant_id,
// workspace_id, token_id) instead of (workspace_id, token_id). Taking a
// workspace out of a grant then reads the grant's rows for it as one range
// of that index. Before, it read every token in the workspace, whatever its
// grant, and each one's row in tokens for its grant: a page per token that
// the write connection had seldom read lately, most of a cascade's time.
//
// Instances of the previous release insert rows without a grant while a
// rolling upgrade runs beside them; a trigger fills it in, so no row is ever
// left out of a cascade. Their own workspace removals, which look rows up
// by workspace, scan the table until they are replaced.

// tokenWorkspaceGrantTrigger fills in the grant of a row inserted without
// one, on each dialect.
var tokenWorkspaceGrantTrigger = map[bool][]string{
	false: {
		`CREATE TRIGGER IF NOT EXISTS token_workspaces_grant_id AFTER INSERT ON token_workspaces
			FOR EACH ROW WHEN NEW.token_grant_id IS NULL BEGIN
				UPDATE token_workspaces SET token_grant_id = (SELECT grant_id FROM tokens WHERE id = NEW.token_id)
				WHERE token_id = NEW.token_id AND workspace_id = NEW.workspace_id;
			END`,
	},
	true: {
		`CREATE OR REPLACE FUNCTION token_workspaces_grant_id() RETURNS trigger LANGUAGE plpgsql AS $fn$
			BEGIN
				SELECT grant_id INTO NEW.token_grant_id FROM tokens WHERE id = NEW.token_id;
				RETURN NEW;
			END
		$fn$`,
		`DROP TRIGGER IF EXISTS token_workspaces_grant_id ON token_workspaces`,
		`CREATE TRIGGER token_workspaces_grant_id BEFORE INSERT ON token_workspaces
			FOR EACH ROW WHEN (NEW.token_grant_id IS NULL) EXECUTE FUNCTION token_workspaces_grant_id()`,
	},
}

// fileTokenWorkspacesByGrant is schema step 9. A database whose step 1 ran
// with today's models has the column and the index already.
func (s *Store) fileTokenWorkspacesByGrant(ctx context.Context) error {
	db := s.conn(ctx)
	if !db.Migrator().HasColumn(&TokenWorkspace{}, "token_grant_id") {
		// The type step 1 gives the column on each dialect.
		columnType := "text"
		if s.postgres() {
			columnType = "varchar(36)"
		}
		if err := db.Exec("ALTER TABLE token_workspaces ADD COLUMN token_grant_id " + columnType).Error; err != nil {
			return fmt.Errorf("add token_workspaces.token_grant_id: %w", err)
		}
	}
	stmts := []string{
		`UPDATE token_workspaces SET token_grant_id = (SELECT grant_id FROM tokens WHERE tokens.id = token_workspaces.token_id)
			WHERE token_grant_id IS NULL`,
		"CREATE INDEX IF NOT EXISTS idx_token_workspaces_grant_workspace ON token_workspaces (token_grant_id, workspace_id, token_id)",
		"DROP INDEX IF EXISTS idx_token_workspaces_workspace_token",
	}
	for _, stmt := range append(stmts, tokenWorkspaceGrantTrigger[s.postgres()]...) {
		if err := db.Exec(stmt).Error; err != nil {
			return fmt.Errorf("file token workspaces by grant: %s: %w", stmt, err)
		}
	}
	return nil
}
