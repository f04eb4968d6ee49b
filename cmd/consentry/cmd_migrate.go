package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/consentry/consentry/models"
)

// migrateCommand brings the database schema up to date on its own, for
// deployments that migrate in a release step before starting instances.
// serve, demo and the other commands still migrate when they start.
func migrateCommand() *cli.Command {
	return &cli.Command{
		Name:      "migrate",
		Usage:     "apply pending database schema steps (safe while other instances start), or list them with --status",
		UsageText: "consentry migrate [--status] [--db D] [--json]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "status", Usage: "list every step and when it was applied, applying nothing"},
		},
		Action: runMigrate,
	}
}

// migrationJSON is one step in migrate's JSON output.
type migrationJSON struct {
	Version int    `json:"version"`
	Name    string `json:"name"`
	// AppliedAt is RFC 3339 in UTC, empty while pending.
	AppliedAt string `json:"applied_at"`
}

// migrateResult is migrate's JSON answer: the steps this run applied (with
// --status, none), and every step this build knows.
type migrateResult struct {
	Applied []migrationJSON `json:"applied"`
	Steps   []migrationJSON `json:"steps"`
}

func runMigrate(ctx context.Context, cmd *cli.Command) (err error) {
	if err := noArgs(cmd); err != nil {
		return err
	}
	dsn := cmd.String(flagDB)
	if dsn == "" {
		return errors.New("database: --db is empty")
	}
	store, err := models.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := store.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	var applied []models.Migration
	if !cmd.Bool("status") {
		if applied, err = store.ApplyMigrations(ctx); err != nil {
			return err
		}
	}
	steps, err := store.Migrations(ctx)
	if err != nil {
		return err
	}
	out := migrateResult{Applied: migrationsJSON(applied), Steps: migrationsJSON(steps)}
	return emit(cmd, out, func(w io.Writer) {
		if cmd.Bool("status") {
			for _, m := range steps {
				when := "pending"
				if !m.AppliedAt.IsZero() {
					when = "applied " + m.AppliedAt.UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(w, "%3d  %-45s %s\n", m.Version, m.Name, when)
			}
			return
		}
		for _, m := range applied {
			fmt.Fprintf(w, "Applied step %d: %s.\n", m.Version, m.Name)
		}
		fmt.Fprintf(w, "Database schema is up to date (step %d).\n", steps[len(steps)-1].Version)
	})
}

func migrationsJSON(ms []models.Migration) []migrationJSON {
	out := make([]migrationJSON, 0, len(ms))
	for _, m := range ms {
		j := migrationJSON{Version: m.Version, Name: m.Name}
		if !m.AppliedAt.IsZero() {
			j.AppliedAt = m.AppliedAt.UTC().Format(time.RFC3339)
		}
		out = append(out, j)
	}
	return out
}
