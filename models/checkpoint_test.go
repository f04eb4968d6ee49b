package models

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// openMigrated opens a store on a fresh file without its background
// checkpoints, so the test decides when one runs.
func openMigrated(t *testing.T) (*Store, string) {
	t.Helper()
	skipOnPostgres(t, "WAL checkpoints")
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	s.stopCheckpoints()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s, path
}

func writeUsers(t *testing.T, s *Store, n int) {
	t.Helper()
	for i := range n {
		u := User{ID: fmt.Sprintf("u%d", i), Email: fmt.Sprintf("u%d@example.com", i), Name: "U", PasswordHash: "x"}
		if err := s.CreateUser(context.Background(), &u); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCommitsLeaveCheckpointsToTheStore(t *testing.T) {
	s, _ := openMigrated(t)
	// Each commit adds frames; with automatic checkpoints the WAL would be
	// copied back after 1,000 pages, here it must keep every frame.
	writeUsers(t, s, 1200)
	frames, copied, err := s.checkpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if frames < 1000 {
		t.Errorf("WAL holds %d frames after 1,200 commits, want ≥ 1,000 (a commit checkpointed it)", frames)
	}
	if copied != frames {
		t.Errorf("checkpoint copied %d of %d frames, want all", copied, frames)
	}
}

func TestStoreCheckpointsInTheBackground(t *testing.T) {
	s, path := openMigrated(t)
	writeUsers(t, s, 10)
	// Until a checkpoint, what was written is in the WAL only.
	before := fileSize(t, path)
	s.startCheckpoints(10 * time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for fileSize(t, path) == before {
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes: no background checkpoint copied the WAL into it", before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
