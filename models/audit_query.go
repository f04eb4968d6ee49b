package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// AuditFilter narrows a read of the audit trail. Zero fields do not filter.
type AuditFilter struct {
	// WorkspaceID keeps only events whose workspace set includes it. A
	// workspace's own audit view always sets it: it is the tenant boundary,
	// and every other field only narrows further.
	WorkspaceID string
	// UserID keeps events about that user (the subject) or done by them
	// (the acting user).
	UserID   string
	ClientID string
	Action   string
	// From and To bound OccurredAt: From ≤ t < To.
	From, To time.Time
	// Before is the keyset cursor: only events with id < Before (all when 0).
	Before int64
	// Limit is the page size (DefaultAuditPageSize when 0, at most
	// MaxAuditPageSize). EachAuditEventFiltered ignores it.
	Limit int
}

// Page sizes of AuditPage.
const (
	DefaultAuditPageSize = 50
	MaxAuditPageSize     = 200
)

// auditStreamBatch is how many events EachAuditEventFiltered reads per
// query: memory stays at one batch however many events match.
const auditStreamBatch = 1000

// auditRecentWindow is how many of the newest ids (below the cursor) a
// time-filtered page first scans in id order; see auditPageIDs.
const auditRecentWindow = 20_000

// AuditPage is one page of events matching f, newest first. nextCursor is
// the Before of the next (older) page, or 0 on the last page.
//
// Pages are keyset-paginated on the event id, never by OFFSET: a page costs
// the same deep in the history as at the top, and events appended between
// two page loads (they get higher ids) neither shift nor repeat rows.
func (s *Store) AuditPage(ctx context.Context, f AuditFilter) ([]AuditEvent, int64, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultAuditPageSize
	}
	limit = min(limit, MaxAuditPageSize)
	// One row more than the page says whether an older page exists.
	ids, err := s.auditPageIDs(ctx, f, limit+1)
	if err != nil {
		return nil, 0, fmt.Errorf("read audit page: %w", translate(err))
	}
	var next int64
	if len(ids) > limit {
		ids = ids[:limit]
		next = ids[limit-1]
	}
	if len(ids) == 0 {
		return nil, 0, nil
	}
	var events []AuditEvent
	if err := s.conn(ctx).Where("id IN ?", ids).Order("id DESC").Find(&events).Error; err != nil {
		return nil, 0, fmt.Errorf("read audit page: %w", translate(err))
	}
	return events, next, nil
}

// auditPageIDs is the ids of up to n events matching f below its cursor,
// newest first. Reading ids before rows lets the database answer from its
// indexes alone for the workspace and time filters, and fetch just the
// page's rows afterwards.
//
// A filter by person, app or action without a workspace reads through
// audit_event_keys (audit_index.go): the newest events, not indexed yet,
// from their rows, and the rest through their keys.
//
// A time range is the one filter whose index does not give id order:
// through it, the database sorts every id in the range — fine for a day,
// slow for a year. On SQLite, where the planner always takes that index,
// the newest auditRecentWindow ids are scanned in id order first, which
// fills the page at once when the range reaches recent events (the usual
// "since last week"); only the rest goes through the time index.
func (s *Store) auditPageIDs(ctx context.Context, f AuditFilter, n int) ([]int64, error) {
	if key := auditFilterKey(f); key != "" {
		return s.auditKeyPageIDs(ctx, f, key, n)
	}
	col := auditOrderColumn(f)
	read := func(before, after int64, scanByID bool, n int) ([]int64, error) {
		var ids []int64
		err := s.auditQuery(ctx, f, before, after, scanByID).Order(col+" DESC").Limit(n).Pluck(col, &ids).Error
		return ids, err
	}
	timed := !f.From.IsZero() || !f.To.IsZero()
	if !timed || s.db.Dialector.Name() != "sqlite" {
		return read(f.Before, 0, false, n)
	}
	top := f.Before
	if top <= 0 {
		var newest *int64
		if err := s.conn(ctx).Model(&AuditEvent{}).Select("MAX(id)").Scan(&newest).Error; err != nil {
			return nil, err
		}
		if newest == nil {
			return nil, nil
		}
		top = *newest + 1
	}
	low := max(top-auditRecentWindow, 1)
	ids, err := read(top, low-1, true, n)
	if err != nil || len(ids) == n || low == 1 {
		return ids, err
	}
	older, err := read(low, 0, false, n-len(ids))
	return append(ids, older...), err
}

// auditKeyPageIDs is auditPageIDs for a filter read through key: the events
// after the index mark from their rows, newest first, then those up to it
// through their keys. Every event of the first part is newer than every
// event of the second, so the two concatenate in order.
func (s *Store) auditKeyPageIDs(ctx context.Context, f AuditFilter, key string, n int) ([]int64, error) {
	through, err := s.auditIndexedThrough(ctx, false)
	if err != nil {
		return nil, err
	}
	var ids []int64
	if f.Before <= 0 || f.Before > through+1 {
		err := s.auditQuery(ctx, f, f.Before, through, true).Order("audit_events.id DESC").Limit(n).
			Pluck("audit_events.id", &ids).Error
		if err != nil || len(ids) == n {
			return ids, err
		}
	}
	before := through + 1
	if f.Before > 0 {
		before = min(before, f.Before)
	}
	var older []int64
	err = s.auditKeyQuery(ctx, f, key, before, 0).Order("audit_event_keys.event_id DESC").Limit(n-len(ids)).
		Pluck("audit_event_keys.event_id", &older).Error
	return append(ids, older...), err
}

// EachAuditEventFiltered streams every event matching f (its Before and
// Limit aside) in chain order, oldest first, calling fn for each. It reads
// in keyset batches, so memory stays flat however long the trail is, and no
// read transaction is held open across the whole export. Each batch starts
// where the last ended, in id order (a time range is checked row by row
// rather than sorted through its index, which each batch would redo). A
// filter read through audit_event_keys streams the indexed events through
// their keys, then the newer ones from their rows.
func (s *Store) EachAuditEventFiltered(ctx context.Context, f AuditFilter, fn func(AuditEvent) error) error {
	key := auditFilterKey(f)
	if key == "" {
		col := auditOrderColumn(f)
		return s.streamAuditEvents(ctx, 0, fn, func(after int64) *gorm.DB {
			return s.auditQuery(ctx, f, 0, after, true).Order(col + " ASC")
		})
	}
	through, err := s.auditIndexedThrough(ctx, false)
	if err != nil {
		return fmt.Errorf("read audit events: %w", err)
	}
	if err := s.streamAuditEvents(ctx, 0, fn, func(after int64) *gorm.DB {
		return s.auditKeyQuery(ctx, f, key, through+1, after).Order("audit_event_keys.event_id ASC")
	}); err != nil {
		return err
	}
	return s.streamAuditEvents(ctx, through, fn, func(after int64) *gorm.DB {
		return s.auditQuery(ctx, f, 0, after, true).Order("audit_events.id ASC")
	})
}

// streamAuditEvents calls fn with every event query reads, oldest first,
// auditStreamBatch at a time: query(after) is the events after the last one
// read (after at first), in id order.
func (s *Store) streamAuditEvents(ctx context.Context, after int64, fn func(AuditEvent) error,
	query func(after int64) *gorm.DB) error {
	events := make([]AuditEvent, 0, auditStreamBatch)
	for {
		events = events[:0]
		if err := query(after).Select("audit_events.*").Limit(auditStreamBatch).Find(&events).Error; err != nil {
			return fmt.Errorf("read audit events: %w", translate(err))
		}
		for _, ev := range events {
			if err := fn(ev); err != nil {
				return err
			}
		}
		if len(events) < auditStreamBatch {
			return nil
		}
		after = events[len(events)-1].ID
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("read audit events: %w", err)
		}
	}
}

// auditQuery selects the events matching f with before < id (when before
// > 0) and id > after (when after > 0). scanByID keeps SQLite off the time
// index (a unary + makes the column unindexable), so the rows are walked in
// id order with the time range checked on each.
//
// With a workspace, the query starts from that workspace's rows of the
// audit_event_workspaces index (primary key workspace_id, event_id) and
// walks them in event-id order, so the newest page — or any page by
// cursor — reads about one page of index entries, whatever the trail's size.
// The join is also what confines a workspace's view to its own events.
func (s *Store) auditQuery(ctx context.Context, f AuditFilter, before, after int64, scanByID bool) *gorm.DB {
	q := s.conn(ctx).Model(&AuditEvent{})
	id := "audit_events.id"
	if f.WorkspaceID != "" {
		q = q.Joins("JOIN audit_event_workspaces ON audit_event_workspaces.event_id = audit_events.id").
			Where("audit_event_workspaces.workspace_id = ?", f.WorkspaceID)
		id = "audit_event_workspaces.event_id"
	}
	return s.auditRowFilters(auditIDRange(q, id, before, after), f, scanByID)
}

// auditKeyQuery selects the events filed under key that match f, with
// before < id (when before > 0) and id > after (when after > 0), walking
// the key's entries in event-id order; the rest of f is checked on each
// event, with the time range kept off its index.
func (s *Store) auditKeyQuery(ctx context.Context, f AuditFilter, key string, before, after int64) *gorm.DB {
	q := s.conn(ctx).Table("audit_event_keys").
		Joins("JOIN audit_events ON audit_events.id = audit_event_keys.event_id").
		Where("audit_event_keys.key = ?", key)
	return s.auditRowFilters(auditIDRange(q, "audit_event_keys.event_id", before, after), f, true)
}

// auditIDRange bounds q to before < id (when before > 0) and id > after
// (when after > 0).
func auditIDRange(q *gorm.DB, id string, before, after int64) *gorm.DB {
	if before > 0 {
		q = q.Where(id+" < ?", before)
	}
	if after > 0 {
		q = q.Where(id+" > ?", after)
	}
	return q
}

// auditRowFilters adds f's conditions on an event's own columns: person,
// app, action and time. scanByID keeps SQLite off the time index.
func (s *Store) auditRowFilters(q *gorm.DB, f AuditFilter, scanByID bool) *gorm.DB {
	if f.UserID != "" {
		// Events about the person, or done by them: the same events
		// audit_event_keys files under "user:" (audit_index.go).
		q = q.Where("(audit_events.subject_user_id = ? OR (audit_events.actor_type = ? AND audit_events.actor_id = ?))",
			f.UserID, ActorUser, f.UserID)
	}
	if f.ClientID != "" {
		q = q.Where("audit_events.client_id = ?", f.ClientID)
	}
	if f.Action != "" {
		q = q.Where("audit_events.action = ?", f.Action)
	}
	at := "audit_events.occurred_at"
	if scanByID && s.db.Dialector.Name() == "sqlite" {
		at = "+" + at
	}
	if !f.From.IsZero() {
		q = q.Where(at+" >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where(at+" < ?", f.To.UTC())
	}
	return q
}

// auditOrderColumn is the id column the query orders by: the index table's
// when filtering by workspace, so the database reads that index in order
// instead of sorting.
func auditOrderColumn(f AuditFilter) string {
	if f.WorkspaceID != "" {
		return "audit_event_workspaces.event_id"
	}
	return "audit_events.id"
}

// AuditChoice is a record's id and name, for a filter's select.
type AuditChoice struct {
	ID   string
	Name string
}

// AuditClientChoices lists apps by name for an audit log's app filter. A
// workspace's log (workspaceID set) offers only apps that no other
// workspace owns, so a workspace's private app stays its own.
func (s *Store) AuditClientChoices(ctx context.Context, workspaceID string) ([]AuditChoice, error) {
	q := s.conn(ctx).Model(&Client{}).Select("id, name").Order("name, id")
	if workspaceID != "" {
		q = q.Where("workspace_id IS NULL OR workspace_id = ?", workspaceID)
	}
	var out []AuditChoice
	if err := q.Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("list apps for the audit filter: %w", translate(err))
	}
	return out, nil
}

// AuditWorkspaceChoices lists every workspace by name, for the platform
// audit log's workspace filter.
func (s *Store) AuditWorkspaceChoices(ctx context.Context) ([]AuditChoice, error) {
	var out []AuditChoice
	if err := s.conn(ctx).Model(&Workspace{}).Select("id, name").Order("name, id").Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("list workspaces for the audit filter: %w", translate(err))
	}
	return out, nil
}
