package models

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm/clause"
)

// AuditEvent is one append-only entry of the audit trail. Each event stores
// the hash of the one before it, so editing, deleting or reordering any row
// breaks the chain (see VerifyAudit).
type AuditEvent struct {
	ID         int64     `gorm:"primaryKey;autoIncrement:false"`
	OccurredAt time.Time `gorm:"not null;index"`
	// Action, ActorID, SubjectUserID and ClientID are found through
	// audit_event_keys (audit_index.go), not indexes of their own.
	Action        string `gorm:"size:64;not null"`
	ActorType     string `gorm:"size:16;not null"`
	ActorID       string `gorm:"size:64;not null;default:''"`
	SubjectUserID string `gorm:"size:36;not null;default:''"`
	ClientID      string `gorm:"size:64;not null;default:''"`
	// WorkspaceIDs is space-separated and sorted; AuditEventWorkspace rows
	// index the same set for filtering.
	WorkspaceIDs string `gorm:"size:4096;not null;default:''"`
	// Details is a JSON object (for example the diff of a grant update).
	Details   string `gorm:"type:text;not null"`
	IP        string `gorm:"size:64;not null;default:''"`
	UserAgent string `gorm:"size:512;not null;default:''"`
	PrevHash  []byte `gorm:"size:32;not null"`
	Hash      []byte `gorm:"size:32;not null"`
}

// AuditEventWorkspace indexes an event under each workspace it touches.
type AuditEventWorkspace struct {
	WorkspaceID string `gorm:"primaryKey;size:36"`
	EventID     int64  `gorm:"primaryKey"`
}

// AuditChainHead is the single row that holds the end of the chain. Every
// append updates it in the same transaction, which serialises writers (a row
// lock on PostgreSQL, the write lock on SQLite), so concurrent writers always
// extend one chain.
type AuditChainHead struct {
	ID          int   `gorm:"primaryKey;autoIncrement:false"`
	LastEventID int64 `gorm:"not null"`
	LastHash    []byte
}

// Actor is who caused an event and from where.
type Actor struct {
	// Type is "user", "client", "cli" or "system".
	Type      string
	ID        string
	IP        string
	UserAgent string
}

// Actor types.
const (
	ActorUser   = "user"
	ActorClient = "client"
	ActorCLI    = "cli"
	ActorSystem = "system"
	ActorAPIKey = "api_key"
)

// AuditRecord is what a caller says about an event; the store adds the id,
// time and hashes.
type AuditRecord struct {
	Action        string
	SubjectUserID string
	ClientID      string
	WorkspaceIDs  []string
	Details       map[string]any
}

const chainHeadID = 1

// genesisHash is the PrevHash of the first event.
var genesisHash = make([]byte, sha256.Size)

// AppendAudit adds an event to the end of the chain. Call it inside the
// transaction that makes the change it records.
//
// The chain head row is read once per transaction, at its first event, and
// written once, when the transaction ends (writeChainHead): in between the
// transaction carries where it has taken the chain (txState.audit). A batch
// of write transactions (write_batch.go) carries it from one to the next and
// writes the row once for all of them, so every event costs one statement
// less and the commit one page less per event but the first.
func (s *Store) AppendAudit(ctx context.Context, actor Actor, rec AuditRecord, at time.Time) (AuditEvent, error) {
	if s.tx == nil {
		var ev AuditEvent
		err := s.InTx(ctx, func(tx *Store) (err error) {
			ev, err = tx.AppendAudit(ctx, actor, rec, at)
			return err
		})
		return ev, err
	}
	move, err := s.chainMove(ctx)
	if err != nil {
		return AuditEvent{}, fmt.Errorf("append audit %s: %w", rec.Action, err)
	}
	details := "{}"
	if len(rec.Details) > 0 {
		b, err := json.Marshal(rec.Details)
		if err != nil {
			return AuditEvent{}, fmt.Errorf("append audit %s: encode details: %w", rec.Action, err)
		}
		details = string(b)
	}
	ws := slices.Clone(rec.WorkspaceIDs)
	slices.Sort(ws)
	ws = slices.Compact(ws)
	prev := move.to.LastHash
	if len(prev) == 0 {
		prev = genesisHash
	}
	ev := AuditEvent{
		ID: move.to.LastEventID + 1, OccurredAt: at.UTC().Truncate(time.Microsecond), Action: rec.Action,
		ActorType: actor.Type, ActorID: actor.ID, SubjectUserID: rec.SubjectUserID, ClientID: rec.ClientID,
		WorkspaceIDs: joinSpace(ws), Details: details, IP: actor.IP, UserAgent: truncate(actor.UserAgent, 512),
		PrevHash: prev,
	}
	ev.Hash = ev.computeHash()
	if _, err := s.execSQL(ctx, insertAuditEventSQL, ev.ID, ev.OccurredAt, ev.Action, ev.ActorType, ev.ActorID,
		ev.SubjectUserID, ev.ClientID, ev.WorkspaceIDs, ev.Details, ev.IP, ev.UserAgent, ev.PrevHash, ev.Hash); err != nil {
		return AuditEvent{}, fmt.Errorf("append audit %s: %w", rec.Action, err)
	}
	// One statement per 16 workspaces, not one each: revoking an app
	// granted 50 workspaces records them twice.
	workspaceArgs := make([]any, 0, 2*len(ws))
	for _, w := range ws {
		workspaceArgs = append(workspaceArgs, w, ev.ID)
	}
	if err := s.insertRows(ctx, insertAuditWorkspacesSQL, workspaceArgs); err != nil {
		return AuditEvent{}, fmt.Errorf("append audit %s: index workspaces: %w", rec.Action, err)
	}
	s.tx.audit = &chainMove{from: move.from, to: AuditChainHead{ID: chainHeadID, LastEventID: ev.ID, LastHash: ev.Hash}}
	return ev, nil
}

// chainMove is where a transaction has taken the audit chain and not yet
// written down: from is the head row's last event id as the transaction
// read it, to is the head its last event left. Treat one as immutable: a
// nested transaction starts from its parent's and hands its own back only
// if it commits.
type chainMove struct {
	from int64
	to   AuditChainHead
}

// chainMove is this transaction's move of the chain head so far, or, before
// its first event, none yet from the head row. On PostgreSQL the row is
// read FOR UPDATE: concurrent writers queue on it there until commit, where
// SQLite has one writer.
func (s *Store) chainMove(ctx context.Context) (chainMove, error) {
	if s.tx.audit != nil {
		return *s.tx.audit, nil
	}
	headSQL := chainHeadSQL
	if s.postgres() {
		headSQL = chainHeadForUpdateSQL
	}
	var head AuditChainHead
	if err := s.queryRowSQL(ctx, headSQL, []any{chainHeadID}, &head.LastEventID, &head.LastHash); err != nil {
		return chainMove{}, fmt.Errorf("read chain head: %w", err)
	}
	head.ID = chainHeadID
	return chainMove{from: head.LastEventID, to: head}, nil
}

// writeChainHead writes the head row where move took it, in the
// transaction that appended the events, just before it commits. It refuses
// when the row is no longer where the move began: another writer extended
// the chain meanwhile, and committing would fork it.
func (s *Store) writeChainHead(ctx context.Context, move *chainMove) error {
	n, err := s.execSQL(ctx, moveChainHeadSQL, move.to.LastEventID, move.to.LastHash, chainHeadID, move.from)
	if err != nil {
		return fmt.Errorf("move audit chain head: %w", err)
	}
	if n != 1 {
		return errors.New("move audit chain head: it moved concurrently")
	}
	return nil
}

// The statements of AppendAudit, chainMove and writeChainHead.
var (
	chainHeadSQL          = hot(`SELECT last_event_id, last_hash FROM audit_chain_heads WHERE id = $1`)
	chainHeadForUpdateSQL = `SELECT last_event_id, last_hash FROM audit_chain_heads WHERE id = $1 FOR UPDATE`
	insertAuditEventSQL   = hot(`INSERT INTO audit_events (id, occurred_at, action, actor_type, actor_id, subject_user_id,
		client_id, workspace_ids, details, ip, user_agent, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`)
	insertAuditWorkspacesSQL = newMultiRowInsert(`INSERT INTO audit_event_workspaces (workspace_id, event_id) VALUES `, 2)
	moveChainHeadSQL         = hot(`UPDATE audit_chain_heads SET last_event_id = $1, last_hash = $2
		WHERE id = $3 AND last_event_id = $4`)
)

// computeHash is SHA-256 over every field but Hash, each length-prefixed so
// no two different events can serialise alike.
func (ev AuditEvent) computeHash() []byte {
	h := sha256.New()
	write := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	write(strconv.FormatInt(ev.ID, 10))
	write(ev.OccurredAt.UTC().Format(time.RFC3339Nano))
	for _, f := range []string{ev.Action, ev.ActorType, ev.ActorID, ev.SubjectUserID, ev.ClientID,
		ev.WorkspaceIDs, ev.Details, ev.IP, ev.UserAgent} {
		write(f)
	}
	write(hex.EncodeToString(ev.PrevHash))
	return h.Sum(nil)
}

// ensureAuditHead creates the chain head row once.
func (s *Store) ensureAuditHead(ctx context.Context) error {
	err := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&AuditChainHead{ID: chainHeadID, LastEventID: 0}).Error
	if err != nil {
		return fmt.Errorf("create audit chain head: %w", translate(err))
	}
	return nil
}

// ChainBreak says where the audit chain stops being trustworthy.
type ChainBreak struct {
	EventID int64
	Reason  string
}

func (b *ChainBreak) Error() string {
	return fmt.Sprintf("audit chain broken at event %d: %s", b.EventID, b.Reason)
}

// ErrChainBroken is matched by every *ChainBreak.
var ErrChainBroken = errors.New("audit chain broken")

func (b *ChainBreak) Is(target error) bool { return target == ErrChainBroken }

// VerifyAudit walks the whole chain in id order, in batches, and returns the
// number of events checked, or a *ChainBreak naming the first bad link.
func (s *Store) VerifyAudit(ctx context.Context) (int64, error) {
	const batch = 5000
	prev := genesisHash
	var lastID, checked int64
	for {
		var events []AuditEvent
		if err := s.conn(ctx).Where("id > ?", lastID).Order("id").Limit(batch).Find(&events).Error; err != nil {
			return checked, fmt.Errorf("verify audit: %w", translate(err))
		}
		for _, ev := range events {
			switch {
			case ev.ID != lastID+1:
				return checked, &ChainBreak{EventID: lastID + 1, Reason: "event is missing"}
			case !bytes.Equal(ev.PrevHash, prev):
				return checked, &ChainBreak{EventID: ev.ID, Reason: "does not link to the event before it"}
			case !bytes.Equal(ev.computeHash(), ev.Hash):
				return checked, &ChainBreak{EventID: ev.ID, Reason: "contents do not match its hash"}
			}
			prev, lastID = ev.Hash, ev.ID
			checked++
		}
		if len(events) < batch {
			break
		}
	}
	var head AuditChainHead
	if err := s.conn(ctx).Where("id = ?", chainHeadID).Take(&head).Error; err != nil {
		return checked, fmt.Errorf("verify audit: read chain head: %w", translate(err))
	}
	if head.LastEventID != lastID || (lastID > 0 && !bytes.Equal(head.LastHash, prev)) {
		return checked, &ChainBreak{EventID: head.LastEventID, Reason: "the newest events are missing"}
	}
	return checked, nil
}

func joinSpace(ss []string) string {
	var b bytes.Buffer
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	return b.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// RecordChange appends the event for a change and, when it revoked tokens,
// a tokens.revoked event with the count, both in the caller's transaction.
func (s *Store) RecordChange(ctx context.Context, actor Actor, rec AuditRecord, tokensRevoked int64, at time.Time) error {
	if _, err := s.AppendAudit(ctx, actor, rec, at); err != nil {
		return err
	}
	if tokensRevoked == 0 {
		return nil
	}
	_, err := s.AppendAudit(ctx, actor, AuditRecord{
		Action: "tokens.revoked", SubjectUserID: rec.SubjectUserID, ClientID: rec.ClientID, WorkspaceIDs: rec.WorkspaceIDs,
		Details: map[string]any{"cause": rec.Action, "count": tokensRevoked},
	}, at)
	return err
}

// EachAuditEvent streams events with OccurredAt ≥ since (all when zero), in
// chain order, calling fn for each row as it is read: memory stays flat
// however long the trail is.
func (s *Store) EachAuditEvent(ctx context.Context, since time.Time, fn func(AuditEvent) error) error {
	q := s.conn(ctx).Model(&AuditEvent{}).Order("id")
	if !since.IsZero() {
		q = q.Where("occurred_at >= ?", since.UTC())
	}
	rows, err := q.Rows()
	if err != nil {
		return fmt.Errorf("read audit events: %w", translate(err))
	}
	defer rows.Close()
	for rows.Next() {
		var ev AuditEvent
		if err := s.db.ScanRows(rows, &ev); err != nil {
			return fmt.Errorf("read audit event: %w", err)
		}
		if err := fn(ev); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read audit events: %w", err)
	}
	return nil
}
