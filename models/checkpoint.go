package models

import (
	"context"
	"database/sql/driver"
	"fmt"
	"slices"
	"time"

	"github.com/mattn/go-sqlite3"
	"gorm.io/gorm"
)

// SQLite's default is that the connection whose commit takes the WAL past
// 1,000 pages checkpoints it (copies it into the database file and fsyncs
// both) before that commit returns. After a cascade that rewrites 100,000
// token rows, that adds 100–150 ms to the request that caused it. So every
// connection is opened with automatic checkpoints off, and each Store runs
// them from one goroutine of its own: no request waits for one.

// checkpointEvery is how often a Store checkpoints. It also bounds how long
// a commit can sit in the WAL before it is fsynced (synchronous=NORMAL syncs
// only at checkpoints).
const checkpointEvery = time.Second

// Pragmas every connection runs when it opens, besides the DSN parameters:
// automatic checkpoints off (see above) and temporary tables and indexes
// in memory, not in files created and deleted per statement.
var basePragmas = []string{"PRAGMA wal_autocheckpoint = 0", "PRAGMA temp_store = MEMORY"}

// readerPragmas and writerPragmas are the pragmas of the read pool and of
// the write connection. The writer's page cache is larger (16 MiB, SQLite's
// default is 2 MiB): it is the one connection whose cache survives between
// transactions, and writes touch a page of every index of a table. A
// reader's cache is emptied by the first read after any commit (SQLite
// resets it whenever the database changed), and freeing it page by page is
// paid by that read: 110–220 µs for a full 2 MiB cache, 40–60 µs for 512
// KiB, on a server whose readers had just checked a few hundred tokens. A
// reader gains nothing from a page cache larger than one read touches.
var (
	readerPragmas = append(slices.Clone(basePragmas), "PRAGMA cache_size = -512")
	writerPragmas = append(slices.Clone(basePragmas), "PRAGMA cache_size = -16384")
)

// sqliteConnector opens mattn/go-sqlite3 connections to one DSN and prepares
// each with what a DSN parameter cannot say. Going through sql.OpenDB with it
// needs no driver registered under a global name.
type sqliteConnector struct {
	dsn    string
	driver *sqlite3.SQLiteDriver
}

func newSQLiteConnector(dsn string, pragmas []string) sqliteConnector {
	return sqliteConnector{dsn: dsn, driver: &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			for _, p := range pragmas {
				if _, err := c.Exec(p, nil); err != nil {
					return fmt.Errorf("%s: %w", p, err)
				}
			}
			return nil
		},
	}}
}

// Connect opens one connection.
func (c sqliteConnector) Connect(context.Context) (driver.Conn, error) { return c.driver.Open(c.dsn) }

// Driver is the mattn driver.
func (c sqliteConnector) Driver() driver.Driver { return c.driver }

// startCheckpoints checkpoints s every interval until stopCheckpoints.
func (s *Store) startCheckpoints(interval time.Duration) {
	s.checkpoints = every(interval, func() {
		// A checkpoint that fails (the disk, or a checkpoint run by another
		// process) leaves the frames in the WAL, where readers still find
		// them; the next tick tries again, and closing the last connection
		// checkpoints too.
		_, _, _ = s.checkpoint(context.Background())
	})
}

// stopCheckpoints ends the checkpoints and waits for one under way.
func (s *Store) stopCheckpoints() { s.checkpoints.halt() }

// checkpoint copies committed WAL frames into the database file, as far as
// open readers allow, and reports the frames in the WAL and how many of them
// are in the file now.
//
// It runs twice. The first pass copies the bulk on a pooled connection
// without blocking readers or writers (PASSIVE). Writes go on meanwhile, so
// that pass never copies the last frames; and SQLite starts the WAL over
// from its beginning only when a write begins with every frame copied.
// Under steady load the WAL would then grow for as long as the load lasts,
// and every commit would extend the file, which costs the file system far
// more than overwriting pages it already has. So the second pass copies the
// few frames written since on the write connection, holding this process's
// write queue: the next write then restarts the WAL.
func (s *Store) checkpoint(ctx context.Context) (frames, copied int, err error) {
	if _, _, err := walCheckpoint(s.db.WithContext(ctx)); err != nil {
		return 0, 0, err
	}
	s.writes.Lock()
	defer s.writes.Unlock()
	return walCheckpoint(s.writer.WithContext(ctx))
}

// walCheckpoint runs a PASSIVE checkpoint on db.
func walCheckpoint(db *gorm.DB) (frames, copied int, err error) {
	var busy int
	if err := db.Raw("PRAGMA wal_checkpoint(PASSIVE)").Row().Scan(&busy, &frames, &copied); err != nil {
		return 0, 0, fmt.Errorf("checkpoint: %w", err)
	}
	return frames, copied, nil
}
