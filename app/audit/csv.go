// Package audit turns the audit trail into what people and tools read: the
// pages of the admin audit views, each event as a sentence, and CSV exports.
package audit

import (
	"context"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/consentry/consentry/models"
)

// csvHeader names the export's columns.
var csvHeader = []string{
	"id", "occurred_at", "action", "actor_type", "actor_id", "subject_user_id", "client_id",
	"workspace_ids", "details", "ip", "user_agent", "prev_hash", "hash",
}

// WriteCSV streams the events since a time (all when zero) as RFC 4180 CSV
// with a header row, flushing as it goes so memory stays flat. Cells that a
// spreadsheet would run as a formula are neutralised.
func WriteCSV(ctx context.Context, w io.Writer, store *models.Store, since time.Time) error {
	return writeCSV(w, "", func(fn func(models.AuditEvent) error) error {
		return store.EachAuditEvent(ctx, since, fn)
	})
}

// WriteCSVHeader writes an export with no events: the header row alone.
func WriteCSVHeader(w io.Writer) error {
	out := csv.NewWriter(w)
	if err := out.Write(csvHeader); err != nil {
		return fmt.Errorf("write audit CSV: %w", err)
	}
	out.Flush()
	if err := out.Error(); err != nil {
		return fmt.Errorf("write audit CSV: %w", err)
	}
	return nil
}

// writeCSV writes the header, then one row per event each streams, in the
// view of scope (see Redact), flushing every few hundred rows.
func writeCSV(w io.Writer, scope string, each func(func(models.AuditEvent) error) error) error {
	out := csv.NewWriter(w)
	if err := out.Write(csvHeader); err != nil {
		return fmt.Errorf("write audit CSV: %w", err)
	}
	n := 0
	record := make([]string, len(csvHeader))
	err := each(func(ev models.AuditEvent) error {
		ev = Redact(ev, scope)
		record = append(record[:0],
			strconv.FormatInt(ev.ID, 10), ev.OccurredAt.UTC().Format(time.RFC3339Nano), ev.Action, ev.ActorType, ev.ActorID,
			ev.SubjectUserID, ev.ClientID, ev.WorkspaceIDs, ev.Details, ev.IP, ev.UserAgent,
			hex.EncodeToString(ev.PrevHash), hex.EncodeToString(ev.Hash),
		)
		for i, cell := range record {
			record[i] = NeutraliseFormula(cell)
		}
		if err := out.Write(record); err != nil {
			return err
		}
		if n++; n%500 == 0 {
			out.Flush()
			return out.Error()
		}
		return nil
	})
	out.Flush()
	if err == nil {
		err = out.Error()
	}
	if err != nil {
		return fmt.Errorf("write audit CSV: %w", err)
	}
	return nil
}

// NeutraliseFormula defuses spreadsheet formula injection (OWASP "CSV
// injection"): a cell starting with =, +, -, @, tab or carriage return is
// prefixed with a single quote so it is shown as text, not evaluated.
func NeutraliseFormula(cell string) string {
	if cell == "" {
		return cell
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + cell
	}
	return cell
}
