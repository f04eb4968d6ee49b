package models

import (
	"context"
	"fmt"
	"strings"
)

// withoutRowIDTables are the tables of two ids rebuilt WITHOUT ROWID on
// SQLite (schema step 7). An ordinary SQLite table keeps its rows in a rowid
// b-tree and its primary key in an index beside it, so every row written is
// two b-trees written, and two pages per row deleted. Without a rowid the
// primary key index is the table: a token issued, an audit event recorded,
// a workspace removed from many tokens and an app revoked each write half
// the pages for these rows. PostgreSQL stores tables otherwise, and is left
// as it is.
var withoutRowIDTables = []string{"token_workspaces", "audit_event_workspaces", "grant_workspaces"}

// rebuildWithoutRowID rebuilds table WITHOUT ROWID, keeping its columns,
// constraints, rows and indexes. It reads them from the schema as it is, so
// it serves a table created by any build; one already without a rowid is
// left alone. Nothing references these tables, so they can be dropped and
// renamed with foreign keys on.
func (s *Store) rebuildWithoutRowID(ctx context.Context, table string) error {
	db := s.conn(ctx)
	var create string
	if err := db.Raw("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", table).Row().Scan(&create); err != nil {
		return fmt.Errorf("read the schema of %s: %w", table, err)
	}
	if strings.HasSuffix(strings.ToUpper(strings.TrimSpace(create)), "WITHOUT ROWID") {
		return nil
	}
	var indexes []string
	if err := db.Raw("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", table).
		Scan(&indexes).Error; err != nil {
		return fmt.Errorf("read the indexes of %s: %w", table, err)
	}
	rebuilt := table + "_rebuilt"
	// The stored statement names the table first after CREATE TABLE,
	// quoted or not.
	head, rest, ok := strings.Cut(create, "(")
	if !ok {
		return fmt.Errorf("rebuild %s: unexpected schema %q", table, create)
	}
	if name := strings.Trim(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(head), "CREATE TABLE")), "`\""); name != table {
		return fmt.Errorf("rebuild %s: unexpected schema %q", table, create)
	}
	steps := []string{
		"CREATE TABLE `" + rebuilt + "` (" + rest + " WITHOUT ROWID",
		"INSERT INTO `" + rebuilt + "` SELECT * FROM `" + table + "`",
		"DROP TABLE `" + table + "`",
		"ALTER TABLE `" + rebuilt + "` RENAME TO `" + table + "`",
	}
	for _, stmt := range append(steps, indexes...) {
		if err := db.Exec(stmt).Error; err != nil {
			return fmt.Errorf("rebuild %s without rowid: %s: %w", table, stmt, err)
		}
	}
	return nil
}
