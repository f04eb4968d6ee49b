package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/consentry/consentry/app/audit"
	"github.com/consentry/consentry/models"
)

// auditCommand groups the audit trail commands.
func auditCommand() *cli.Command {
	return &cli.Command{
		Name:  "audit",
		Usage: "check and export the audit trail",
		Commands: []*cli.Command{
			{
				Name:      "verify",
				Usage:     "walk the hash chain and report the first broken link (exit 1 if any)",
				UsageText: "consentry audit verify [--json]",
				Action:    verifyAudit,
			},
			{
				Name:      "export",
				Usage:     "stream the audit trail as CSV to stdout",
				UsageText: "consentry audit export [--since 2026-01-02T15:04:05Z | --since 2026-01-02] > audit.csv",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "since", Usage: "only events at or after this time (RFC 3339 or YYYY-MM-DD, UTC)"},
				},
				Action: exportAudit,
			},
		},
	}
}

// verifiedAudit is the JSON answer of a successful audit verify.
type verifiedAudit struct {
	OK     bool  `json:"ok"`
	Events int64 `json:"events"`
}

func verifyAudit(ctx context.Context, cmd *cli.Command) error {
	if err := noArgs(cmd); err != nil {
		return err
	}
	return withBackend(ctx, cmd, func(b *backend) error {
		n, err := b.store.VerifyAudit(ctx)
		if errors.Is(err, models.ErrChainBroken) {
			return fmt.Errorf("%w (%d events verified before it)", err, n)
		}
		if err != nil {
			return err
		}
		return emit(cmd, verifiedAudit{OK: true, Events: n}, func(w io.Writer) {
			fmt.Fprintf(w, "Audit chain intact: %d events verified.\n", n)
		})
	})
}

func exportAudit(ctx context.Context, cmd *cli.Command) error {
	if err := noArgs(cmd); err != nil {
		return err
	}
	since, err := parseSince(cmd.String("since"))
	if err != nil {
		return err
	}
	return withBackend(ctx, cmd, func(b *backend) error {
		return audit.WriteCSV(ctx, cmd.Root().Writer, b.store, since)
	})
}

// parseSince reads --since as RFC 3339 or a plain UTC date.
func parseSince(raw string) (time.Time, error) {
	if raw == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, raw); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--since %q: use RFC 3339 (2026-01-02T15:04:05Z) or a date (2026-01-02)", raw)
}
