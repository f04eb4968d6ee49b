package audit

import (
	"context"
	"fmt"
	"io"

	"github.com/consentry/consentry/models"
)

// Store is what the audit views read.
type Store interface {
	AuditPage(ctx context.Context, f models.AuditFilter) ([]models.AuditEvent, int64, error)
	EachAuditEventFiltered(ctx context.Context, f models.AuditFilter, fn func(models.AuditEvent) error) error
	DisplayNames(ctx context.Context, ids models.NameIDs) (models.DisplayNames, error)
}

// Log reads the audit trail for the admin pages and their CSV exports.
//
// Every read names its scope: "" for the platform's view of the whole
// trail, or a workspace id for that workspace's view. A workspace's view
// always filters by that workspace, whatever the filter asked for, and
// shows its events redacted to it (see Redact).
type Log struct {
	store   Store
	catalog *models.Catalog
}

// NewLog reads through store; catalog words permissions (nil: scope names).
func NewLog(store Store, catalog *models.Catalog) *Log {
	return &Log{store: store, catalog: catalog}
}

// Page is one page of a view, newest first.
type Page struct {
	Entries []Entry
	// Next is the cursor (AuditFilter.Before) of the next, older page; 0 on
	// the last page.
	Next int64
}

// Page reads one page of scope's view matching f, from f.Before down, and
// words it, looking up every name the page mentions at once.
func (l *Log) Page(ctx context.Context, scope string, f models.AuditFilter) (Page, error) {
	events, next, err := l.store.AuditPage(ctx, scoped(f, scope))
	if err != nil {
		return Page{}, err
	}
	for i := range events {
		events[i] = Redact(events[i], scope)
	}
	names, err := l.store.DisplayNames(ctx, NamesFor(events, scope))
	if err != nil {
		return Page{}, fmt.Errorf("audit page: %w", err)
	}
	return Page{Entries: Describe(events, names, l.catalog), Next: next}, nil
}

// ExportCSV streams every event of scope's view matching f (its cursor
// aside) to w as CSV, oldest first: RFC 4180 quoting, a header row, formula
// cells neutralised, memory flat however many rows match.
func (l *Log) ExportCSV(ctx context.Context, w io.Writer, scope string, f models.AuditFilter) error {
	f = scoped(f, scope)
	f.Before = 0
	return writeCSV(w, scope, func(fn func(models.AuditEvent) error) error {
		return l.store.EachAuditEventFiltered(ctx, f, fn)
	})
}

// scoped confines f to scope's workspace.
func scoped(f models.AuditFilter, scope string) models.AuditFilter {
	if scope != "" {
		f.WorkspaceID = scope
	}
	return f
}
