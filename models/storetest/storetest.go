// Package storetest opens real, migrated SQLite stores for tests.
package storetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/consentry/consentry/models"
)

// Open returns a migrated store on a fresh SQLite file (WAL needs a file, not
// memory) that is closed when the test ends.
func Open(t testing.TB) *models.Store {
	t.Helper()
	return OpenAt(t, filepath.Join(t.TempDir(), "consentry.db"))
}

// OpenAt returns a migrated store on the SQLite file at path, closed when the
// test ends.
func OpenAt(t testing.TB, path string) *models.Store {
	t.Helper()
	ctx := context.Background()
	s, err := models.Open(ctx, path)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate store: %v", err)
	}
	return s
}
