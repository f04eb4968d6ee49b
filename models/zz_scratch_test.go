package models

import (
	"context"
	"io"
	"log"
	"os"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

func TestZZScratchCascade(t *testing.T) {
	tpl := os.Getenv("SCRATCH_DB")
	if tpl == "" {
		t.Skip()
	}
	for _, op := range []string{"remove", "revoke"} {
		path := t.TempDir() + "/c.db"
		in, _ := os.Open(tpl)
		out, _ := os.Create(path)
		io.Copy(out, in)
		in.Close()
		out.Close()
		ctx := context.Background()
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		sqlDB, _ := s.db.DB()
		sqlDB.SetMaxOpenConns(1)
		var g Grant
		s.db.Take(&g)
		var ws Workspace
		s.db.Where("name = ?", "Workspace 00").Take(&ws)
		for _, pragma := range []string{os.Getenv("SCRATCH_PRAGMA")} {
			if pragma != "" {
				s.db.Exec(pragma)
			}
		}
		lg := logger.New(log.New(os.Stderr, "", 0), logger.Config{SlowThreshold: 0, LogLevel: logger.Info})
		ls := &Store{db: s.db.Session(&gorm.Session{Logger: lg})}
		start := time.Now()
		err = ls.InTx(ctx, func(tx *Store) error {
			if op == "remove" {
				_, err := tx.RemoveGrantWorkspace(ctx, GrantFilter{GrantID: g.ID}, ws.ID, time.Now())
				return err
			}
			_, err := tx.RevokeGrant(ctx, g.ID, time.Now())
			return err
		})
		t.Logf("%s: %v %v", op, time.Since(start), err)
		fi, _ := os.Stat(path + "-wal")
		if fi != nil {
			t.Logf("wal size %d", fi.Size())
		}
		s.Close()
	}
}
