package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/consentry/consentry/app/secret"
)

// The crash test's model of one user's grant to the test app: what every
// answered request left behind, by the rules of SPEC §6, written to be
// compared with the raw tables after a crash. One user's requests are made
// one after another, so the model is a plain sequence of operations; only the
// last may have gone unanswered.

// crashOpKind is a state-changing request the burst makes.
type crashOpKind int

const (
	opConsent crashOpKind = iota
	opExchange
	opRevoke
	opRemove
)

func (k crashOpKind) String() string {
	return [...]string{"consent", "code exchange", "revoke", "workspace removal"}[k]
}

// crashOp is one state-changing request and, once answered, its answer.
type crashOp struct {
	kind       crashOpKind
	workspaces []string // consent: the workspaces picked, sorted
	workspace  string   // remove: the workspace taken out
	requestID  string   // consent: the id of the request the form answered
	// code is, for a consent, the code it answered with ("" while
	// unanswered) and, for an exchange, the code redeemed.
	code            string
	access, refresh string // exchange: the tokens it answered with
}

// crashTokenKey names a token by the code it descends from (the hex key
// of the code) and its kind, so tokens whose answer never arrived are known
// too.
type crashTokenKey struct{ code, kind string }

type crashToken struct {
	plain   string   // "" when the exchange's answer never arrived
	ws      []string // the workspaces the token still holds, sorted
	revoked bool     // itself, or its grant
	grant   int      // which of the user's grants (crashState.grant) it is of
}

type crashCode struct {
	ws []string
	// used: redeemed. dropped: an unused code of a grant revoked since,
	// which the store may delete.
	used, dropped bool
}

// crashEvent is one audit event about the user's grant to the app.
type crashEvent struct {
	action    string
	count     int64  // tokens.revoked: how many
	workspace string // grant.workspace_removed: which
}

func (e crashEvent) String() string {
	switch {
	case e.action == "tokens.revoked":
		return fmt.Sprintf("%s(%d)", e.action, e.count)
	case e.workspace != "":
		return fmt.Sprintf("%s(%s)", e.action, e.workspace)
	}
	return e.action
}

// crashState is what the database must hold for one user and the app.
type crashState struct {
	granted, live bool     // a grant row exists; the newest is not revoked
	ws            []string // the grant's workspaces, sorted
	// grant counts the grants made: a consent after a revocation makes a
	// new one, and cascades touch only the tokens of the live one.
	grant int
	codes map[string]*crashCode
	// unknownCodes counts codes issued by a consent whose answer never
	// arrived; unknownDropped says a revoke since may have deleted them.
	unknownCodes   int
	unknownDropped bool
	tokens         map[crashTokenKey]*crashToken
	// answered says, by consent request id, whether its answer is recorded.
	answered map[string]bool
	events   []crashEvent
}

func newCrashState() *crashState {
	return &crashState{codes: map[string]*crashCode{}, tokens: map[crashTokenKey]*crashToken{}, answered: map[string]bool{}}
}

func (s *crashState) clone() *crashState {
	c := *s
	c.ws = slices.Clone(s.ws)
	c.codes = make(map[string]*crashCode, len(s.codes))
	for k, v := range s.codes {
		cc := *v
		c.codes[k] = &cc
	}
	c.tokens = make(map[crashTokenKey]*crashToken, len(s.tokens))
	for k, v := range s.tokens {
		ct := *v
		ct.ws = slices.Clone(v.ws)
		c.tokens[k] = &ct
	}
	c.answered = maps.Clone(s.answered)
	c.events = slices.Clone(s.events)
	return &c
}

func codeKey(plain string) string { return hex.EncodeToString(secret.Key(plain)) }

// apply carries out op as SPEC §6 says: the grant changes, its tokens follow
// at once, and the audit trail records it.
func (s *crashState) apply(op *crashOp) {
	switch op.kind {
	case opConsent:
		if !s.live {
			s.grant++
			s.events = append(s.events, crashEvent{action: "grant.created"})
		} else if removed, added := setMinus(s.ws, op.workspaces), setMinus(op.workspaces, s.ws); len(removed)+len(added) > 0 {
			// Re-authorization with fewer workspaces: tokens lose them, and
			// a token left with none is revoked.
			var n int64
			for _, tok := range s.ofLiveGrant() {
				tok.ws = setMinus(tok.ws, removed)
				if !tok.revoked && len(tok.ws) == 0 {
					tok.revoked = true
					n++
				}
			}
			s.record("grant.updated", "", n)
		}
		s.granted, s.live, s.ws = true, true, slices.Clone(op.workspaces)
		s.answered[op.requestID] = true
		if op.code == "" {
			s.unknownCodes++
		} else {
			s.codes[codeKey(op.code)] = &crashCode{ws: slices.Clone(op.workspaces)}
		}
	case opExchange:
		key := codeKey(op.code)
		c := s.codes[key]
		c.used = true
		ws := setIntersect(c.ws, s.ws)
		s.tokens[crashTokenKey{key, "access"}] = &crashToken{plain: op.access, ws: ws, grant: s.grant}
		s.tokens[crashTokenKey{key, "refresh"}] = &crashToken{plain: op.refresh, ws: slices.Clone(ws), grant: s.grant}
	case opRevoke:
		// Nothing of the tokens is written: they die with the grant.
		var n int64
		for _, tok := range s.ofLiveGrant() {
			if !tok.revoked {
				tok.revoked = true
				n++
			}
		}
		for _, c := range s.codes {
			c.dropped = c.dropped || !c.used
		}
		s.unknownDropped = s.unknownDropped || s.unknownCodes > 0
		s.live, s.ws = false, nil
		s.record("grant.revoked", "", n)
	case opRemove:
		var n int64
		rest := setMinus(s.ws, []string{op.workspace})
		for _, tok := range s.ofLiveGrant() {
			if !tok.revoked && slices.Contains(tok.ws, op.workspace) && len(setIntersect(tok.ws, rest)) == 0 {
				tok.revoked = true
				n++
			}
			tok.ws = setMinus(tok.ws, []string{op.workspace})
		}
		s.ws = rest
		s.record("grant.workspace_removed", op.workspace, n)
	}
}

// ofLiveGrant are the tokens of the live grant (if any): those a cascade
// changes. A revoked grant's tokens are dead, and stay as they were.
func (s *crashState) ofLiveGrant() []*crashToken {
	var out []*crashToken
	for _, tok := range s.tokens {
		if s.live && tok.grant == s.grant {
			out = append(out, tok)
		}
	}
	return out
}

// record appends a grant event and, when tokens were revoked with it,
// tokens.revoked with the count.
func (s *crashState) record(action, workspace string, revoked int64) {
	s.events = append(s.events, crashEvent{action: action, workspace: workspace})
	if revoked > 0 {
		s.events = append(s.events, crashEvent{action: "tokens.revoked", count: revoked})
	}
}

// introspection is what the token endpoint must say about a token now.
func (s *crashState) introspection(tok *crashToken) (active bool, ws []string) {
	if tok.revoked || !s.live || len(tok.ws) == 0 {
		return false, nil
	}
	return true, tok.ws
}

// crashDisk is what the tables hold for one user and the app.
type crashDisk struct {
	grantExists, grantLive bool
	grantWS                []string
	tokens                 map[crashTokenKey]diskToken
	strays                 []string        // tokens the model cannot place
	codes                  map[string]bool // code hash (hex) → used
	answered               map[string]bool // consent request id → its answer is recorded
	events                 []crashEvent
}

type diskToken struct {
	hash    []byte
	revoked bool
	ws      []string
}

// readCrashDisk reads one user's grant, codes, tokens, the consent answers
// asked about, and audit events straight from the tables.
func readCrashDisk(ctx context.Context, db *sql.DB, userID, clientID string, requestIDs []string) (crashDisk, error) {
	d := crashDisk{tokens: map[crashTokenKey]diskToken{}, codes: map[string]bool{}, answered: map[string]bool{}}
	var grantID string
	// The live grant, or else the newest revoked one.
	err := db.QueryRowContext(ctx, `SELECT id, revoked_at IS NULL FROM grants WHERE user_id = ? AND client_id = ?
		ORDER BY revoked_at IS NULL DESC, created_at DESC LIMIT 1`, userID, clientID).
		Scan(&grantID, &d.grantLive)
	switch {
	case err == sql.ErrNoRows:
	case err != nil:
		return d, fmt.Errorf("read grant: %w", err)
	default:
		d.grantExists = true
		if d.grantWS, err = queryStrings(ctx, db, `SELECT workspace_id FROM grant_workspaces WHERE grant_id = ? ORDER BY workspace_id`, grantID); err != nil {
			return d, fmt.Errorf("read grant workspaces: %w", err)
		}
	}

	tokenWS := map[string][]string{}
	rows, err := db.QueryContext(ctx, `SELECT tw.token_id, tw.workspace_id FROM token_workspaces tw
		JOIN tokens t ON t.id = tw.token_id WHERE t.user_id = ? ORDER BY tw.workspace_id`, userID)
	if err != nil {
		return d, fmt.Errorf("read token workspaces: %w", err)
	}
	if err := scanRows(rows, func() error {
		var id, ws string
		err := rows.Scan(&id, &ws)
		tokenWS[id] = append(tokenWS[id], ws)
		return err
	}); err != nil {
		return d, fmt.Errorf("read token workspaces: %w", err)
	}
	rows, err = db.QueryContext(ctx, `SELECT t.id, t.kind, t.hash, t.revoked_at IS NOT NULL OR g.revoked_at IS NOT NULL, c.hash
		FROM tokens t JOIN grants g ON g.id = t.grant_id LEFT JOIN auth_codes c ON c.id = t.family_id
		WHERE t.user_id = ? AND t.client_id = ?`, userID, clientID)
	if err != nil {
		return d, fmt.Errorf("read tokens: %w", err)
	}
	if err := scanRows(rows, func() error {
		var id, kind string
		var hash, codeHash []byte
		var revoked bool
		if err := rows.Scan(&id, &kind, &hash, &revoked, &codeHash); err != nil {
			return err
		}
		key := crashTokenKey{hex.EncodeToString(codeHash), kind}
		if _, dup := d.tokens[key]; dup || codeHash == nil {
			d.strays = append(d.strays, fmt.Sprintf("%s token %s (code %s)", kind, id, key.code))
			return nil
		}
		d.tokens[key] = diskToken{hash: hash, revoked: revoked, ws: tokenWS[id]}
		return nil
	}); err != nil {
		return d, fmt.Errorf("read tokens: %w", err)
	}

	rows, err = db.QueryContext(ctx, `SELECT hash, used_at IS NOT NULL FROM auth_codes WHERE user_id = ? AND client_id = ?`, userID, clientID)
	if err != nil {
		return d, fmt.Errorf("read codes: %w", err)
	}
	if err := scanRows(rows, func() error {
		var hash []byte
		var used bool
		err := rows.Scan(&hash, &used)
		d.codes[hex.EncodeToString(hash)] = used
		return err
	}); err != nil {
		return d, fmt.Errorf("read codes: %w", err)
	}

	for _, id := range requestIDs {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM consent_answers WHERE request_id = ?`, id).Scan(&n); err != nil {
			return d, fmt.Errorf("read consent answer: %w", err)
		}
		d.answered[id] = n > 0
	}

	rows, err = db.QueryContext(ctx, `SELECT action, details, workspace_ids FROM audit_events
		WHERE subject_user_id = ? AND client_id = ? ORDER BY id`, userID, clientID)
	if err != nil {
		return d, fmt.Errorf("read audit events: %w", err)
	}
	if err := scanRows(rows, func() error {
		var ev crashEvent
		var details, ws string
		if err := rows.Scan(&ev.action, &details, &ws); err != nil {
			return err
		}
		switch ev.action {
		case "tokens.revoked":
			var dt struct{ Count int64 }
			if err := json.Unmarshal([]byte(details), &dt); err != nil {
				return fmt.Errorf("details %q: %w", details, err)
			}
			ev.count = dt.Count
		case "grant.workspace_removed":
			ev.workspace = ws
		}
		d.events = append(d.events, ev)
		return nil
	}); err != nil {
		return d, fmt.Errorf("read audit events: %w", err)
	}
	return d, nil
}

// mismatches lists every way the tables differ from the state; none means
// the database holds exactly this state.
func (s *crashState) mismatches(d crashDisk) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }

	switch {
	case s.granted != d.grantExists:
		add("grant row exists = %v, want %v", d.grantExists, s.granted)
	case s.live != d.grantLive:
		add("grant live = %v, want %v", d.grantLive, s.live)
	case !slices.Equal(d.grantWS, s.ws):
		add("grant workspaces = %v, want %v", d.grantWS, s.ws)
	}

	for key, want := range s.tokens {
		got, ok := d.tokens[key]
		switch {
		case !ok:
			add("%s token of code %.8s… is missing", key.kind, key.code)
		case want.plain != "" && !bytes.Equal(got.hash, secret.Key(want.plain)):
			add("%s token of code %.8s… is not the token that was answered", key.kind, key.code)
		case got.revoked != want.revoked:
			add("%s token of code %.8s…: revoked = %v, want %v", key.kind, key.code, got.revoked, want.revoked)
		case !want.revoked && !slices.Equal(got.ws, want.ws):
			add("%s token of code %.8s…: workspaces %v, want %v", key.kind, key.code, got.ws, want.ws)
		}
	}
	for key := range d.tokens {
		if _, ok := s.tokens[key]; !ok {
			add("unexpected %s token of code %.8s…", key.kind, key.code)
		}
	}
	for _, stray := range d.strays {
		add("unexpected %s", stray)
	}

	unknown := 0
	for hash, used := range d.codes {
		c, ok := s.codes[hash]
		switch {
		case !ok:
			unknown++
		case used != c.used:
			add("code %.8s…: used = %v, want %v", hash, used, c.used)
		}
	}
	for hash, c := range s.codes {
		if _, ok := d.codes[hash]; !ok && !c.dropped {
			add("code %.8s… is missing", hash)
		}
	}
	if unknown != s.unknownCodes && !(s.unknownDropped && unknown < s.unknownCodes) {
		add("%d codes no answer named, want %d", unknown, s.unknownCodes)
	}

	for id, want := range s.answered {
		if got, asked := d.answered[id]; asked && got != want {
			add("consent request %.8s… answered = %v, want %v", id, got, want)
		}
	}

	if !slices.Equal(d.events, s.events) {
		same := 0
		for same < min(len(d.events), len(s.events)) && d.events[same] == s.events[same] {
			same++
		}
		add("audit events after the first %d: %v, want %v", same, d.events[same:], s.events[same:])
	}
	return out
}

// crashInvariants are the rules every state of the database obeys, whoever
// made it: nothing half-applied may be visible anywhere.
func crashInvariants(ctx context.Context, db *sql.DB) []string {
	checks := []struct{ rule, query string }{
		{"a revoked grant gains no token",
			`SELECT count(*) FROM tokens t JOIN grants g ON g.id = t.grant_id
			 WHERE g.revoked_at IS NOT NULL AND t.created_at > g.revoked_at`},
		{"a revoked grant reaches no workspace",
			`SELECT count(*) FROM grant_workspaces gw JOIN grants g ON g.id = gw.grant_id WHERE g.revoked_at IS NOT NULL`},
		{"a live token holds only workspaces its grant holds",
			`SELECT count(*) FROM tokens t JOIN token_workspaces tw ON tw.token_id = t.id
			 JOIN grants g ON g.id = t.grant_id AND g.revoked_at IS NULL
			 WHERE t.revoked_at IS NULL AND NOT EXISTS (SELECT 1 FROM grant_workspaces gw
			   WHERE gw.grant_id = t.grant_id AND gw.workspace_id = tw.workspace_id)`},
		{"a live token that needs a workspace has one",
			`SELECT count(*) FROM tokens t JOIN grants g ON g.id = t.grant_id AND g.revoked_at IS NULL
			 WHERE t.revoked_at IS NULL AND t.needs_workspace
			 AND NOT EXISTS (SELECT 1 FROM token_workspaces tw WHERE tw.token_id = t.id)`},
		{"tokens come only from a redeemed code",
			`SELECT count(*) FROM tokens t WHERE NOT EXISTS (SELECT 1 FROM auth_codes c
			   WHERE c.id = t.family_id AND c.used_at IS NOT NULL)`},
		{"the newest grant of a user to an app is what its last created/revoked event says",
			`SELECT count(*) FROM grants g WHERE NOT EXISTS (SELECT 1 FROM grants newer
			   WHERE newer.user_id = g.user_id AND newer.client_id = g.client_id
			     AND (newer.created_at > g.created_at OR (newer.created_at = g.created_at AND newer.id > g.id)))
			 AND coalesce((SELECT e.action FROM audit_events e
			   WHERE e.subject_user_id = g.user_id AND e.client_id = g.client_id
			   AND e.action IN ('grant.created', 'grant.revoked') ORDER BY e.id DESC LIMIT 1), '')
			 <> CASE WHEN g.revoked_at IS NULL THEN 'grant.created' ELSE 'grant.revoked' END`},
		{"the audit chain head names the newest event",
			`SELECT count(*) FROM audit_chain_heads h
			 WHERE h.last_event_id <> (SELECT coalesce(max(id), 0) FROM audit_events)`},
	}
	var out []string
	for _, c := range checks {
		var n int
		if err := db.QueryRowContext(ctx, c.query).Scan(&n); err != nil {
			out = append(out, fmt.Sprintf("%s: %v", c.rule, err))
		} else if n != 0 {
			out = append(out, fmt.Sprintf("%s: broken by %d rows", c.rule, n))
		}
	}
	return out
}

func queryStrings(ctx context.Context, db *sql.DB, query string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var out []string
	err = scanRows(rows, func() error {
		var s string
		err := rows.Scan(&s)
		out = append(out, s)
		return err
	})
	return out, err
}

// scanRows calls scan for each row and closes rows.
func scanRows(rows *sql.Rows, scan func() error) error {
	defer rows.Close()
	for rows.Next() {
		if err := scan(); err != nil {
			return err
		}
	}
	return rows.Err()
}

// setMinus is a without b, keeping a's order.
func setMinus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// setIntersect is a ∩ b, keeping a's order.
func setIntersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
