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
	s.stopAuditIndexer()
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

func TestCheckpointsRestartTheWALUnderSteadyWrites(t *testing.T) {
	s, path := openMigrated(t)
	ctx := context.Background()
	// A writer that never pauses, through the write connection as requests
	// write: every checkpoint overlaps commits. The WAL must still start
	// over after checkpoints instead of growing with every frame written.
	stop := make(chan struct{})
	done := make(chan int)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- i
				return
			default:
			}
			u := User{ID: fmt.Sprintf("w%d", i), Email: fmt.Sprintf("w%d@example.com", i), Name: "W", PasswordHash: "x"}
			if err := s.InTx(ctx, func(tx *Store) error { return tx.CreateUser(ctx, &u) }); err != nil {
				t.Error(err)
				done <- i
				return
			}
		}
	}()
	for range 40 {
		time.Sleep(5 * time.Millisecond)
		if _, _, err := s.checkpoint(ctx); err != nil {
			t.Error(err)
		}
	}
	close(stop)
	rows := <-done
	// Each commit writes at least the page of the users table and that of
	// the email index it changed.
	written := int64(rows) * 2 * 4096
	wal := fileSize(t, path+"-wal")
	t.Logf("%d rows written, WAL %d bytes", rows, wal)
	if rows < 200 {
		t.Fatalf("only %d rows written across the checkpoints; the writer hardly ran", rows)
	}
	if wal > written/2 {
		t.Errorf("WAL is %d bytes after %d commits with 40 checkpoints between them: it was not restarted", wal, rows)
	}
}
