package audit

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/consentry/consentry/models"
)

// Entry is one audit event as a person reads it.
type Entry struct {
	// Event is the event as stored (redacted to the view, see Redact).
	Event models.AuditEvent
	Actor Actor
	// Sentence says what happened in plain words: "Alice Example removed
	// Pixel Reports from Acme Design".
	Sentence string
	// Raw is the whole event as indented JSON, for the "details" disclosure.
	Raw string
}

// Actor is who caused an event, as shown in the log's "Who" column.
type Actor struct {
	// Kind is "user", "app", "api_key", "cli" or "system".
	Kind  string
	Name  string
	Email string
}

// Actor kinds.
const (
	ActorKindUser   = "user"
	ActorKindApp    = "app"
	ActorKindAPIKey = "api_key"
	ActorKindCLI    = "cli"
	ActorKindSystem = "system"
)

// NamesFor is every id the events mention, for one batched look-up. In a
// workspace's view (scope) other workspaces are never looked up.
func NamesFor(events []models.AuditEvent, scope string) models.NameIDs {
	var ids models.NameIDs
	for _, ev := range events {
		ids.Users = append(ids.Users, ev.SubjectUserID)
		ids.Clients = append(ids.Clients, ev.ClientID)
		switch ev.ActorType {
		case models.ActorUser:
			ids.Users = append(ids.Users, ev.ActorID)
		case models.ActorClient:
			ids.Clients = append(ids.Clients, ev.ActorID)
		case models.ActorAPIKey:
			ids.APIKeys = append(ids.APIKeys, ev.ActorID)
		}
		for _, w := range strings.Fields(ev.WorkspaceIDs) {
			if scope == "" || w == scope {
				ids.Workspaces = append(ids.Workspaces, w)
			}
		}
	}
	return ids
}

// Describe turns events, already redacted to the view, into entries, with
// the names looked up beforehand (NamesFor, then the store's DisplayNames).
// catalog names permissions in grant.updated sentences; nil shows scope
// names.
func Describe(events []models.AuditEvent, names models.DisplayNames, catalog *models.Catalog) []Entry {
	out := make([]Entry, len(events))
	for i, ev := range events {
		d := describer{ev: ev, names: names, catalog: catalog}
		out[i] = Entry{Event: ev, Actor: d.actor(), Sentence: d.sentence(), Raw: raw(ev)}
	}
	return out
}

// describer words one event.
type describer struct {
	ev      models.AuditEvent
	names   models.DisplayNames
	catalog *models.Catalog
	details map[string]any
}

func (d *describer) actor() Actor {
	ev := d.ev
	switch ev.ActorType {
	case models.ActorUser:
		if u, ok := d.names.Users[ev.ActorID]; ok {
			return Actor{Kind: ActorKindUser, Name: u.Name, Email: u.Email}
		}
		if ev.ActorID == "" {
			return Actor{Kind: ActorKindUser, Name: "Someone"}
		}
		return Actor{Kind: ActorKindUser, Name: "A deleted user"}
	case models.ActorClient:
		return Actor{Kind: ActorKindApp, Name: d.app(ev.ActorID)}
	case models.ActorAPIKey:
		if name, ok := d.names.APIKeys[ev.ActorID]; ok {
			return Actor{Kind: ActorKindAPIKey, Name: "“" + name + "”"}
		}
		return Actor{Kind: ActorKindAPIKey, Name: "A deleted API key"}
	case models.ActorCLI:
		name := "An operator"
		if ev.ActorID != "" {
			name = "Operator " + ev.ActorID
		}
		return Actor{Kind: ActorKindCLI, Name: name}
	}
	return Actor{Kind: ActorKindSystem, Name: "Consentry"}
}

// who is the actor as a sentence's subject: "Alice Example", "API key
// “Nightly export”".
func (d *describer) who() string {
	a := d.actor()
	if a.Kind == ActorKindAPIKey && strings.HasPrefix(a.Name, "“") {
		return "API key " + a.Name
	}
	return a.Name
}

// sentence is the event in plain words, starting with who did it.
func (d *describer) sentence() string {
	ev := d.ev
	who := d.who()
	app := d.app(ev.ClientID)
	subject := d.user(ev.SubjectUserID)
	bySubject := ev.ActorType == models.ActorUser && ev.ActorID == ev.SubjectUserID && ev.SubjectUserID != ""
	forSubject := ""
	if ev.SubjectUserID != "" && !bySubject {
		forSubject = " for " + subject
	}
	where := d.workspaces(strings.Fields(ev.WorkspaceIDs))
	switch ev.Action {
	case "grant.created":
		if where == "" {
			return who + " allowed " + app + " to use " + d.account(bySubject)
		}
		return who + " allowed " + app + " into " + where + forSubject
	case "grant.updated":
		return who + " changed " + possessive(app) + " access" + forSubject + d.grantDiff()
	case "grant.revoked":
		return who + " revoked " + possessive(app) + " access" + forSubject
	case "grant.workspace_removed":
		if ev.SubjectUserID == "" {
			return who + " removed " + app + " from " + or(where, "a workspace") + " for every member"
		}
		return who + " removed " + app + " from " + or(where, "a workspace") + forSubject
	case "tokens.revoked":
		s := possessive(app) + " tokens"
		if ev.SubjectUserID != "" {
			s += " for " + subject
		}
		s += " were revoked"
		if n, ok := d.number("count"); ok {
			s += " (" + strconv.FormatInt(n, 10) + ")"
		}
		if d.str("cause") == "revocation_endpoint" {
			s += " at the app’s request"
		}
		return s
	case "refresh.reuse_detected":
		return app + " presented a refresh token that was already used" + forAccount(ev.SubjectUserID, subject) +
			"; the tokens of that sign-in were revoked"
	case "code.reuse_detected":
		return app + " presented an authorization code that was already used" + forAccount(ev.SubjectUserID, subject) +
			"; the tokens issued from it were revoked"
	case "client.created":
		return who + " registered " + app
	case "client.updated":
		return who + " changed " + possessive(app) + " registration"
	case "client.secret_rotated":
		return who + " rotated " + possessive(app) + " secret"
	case "client.disabled":
		return who + " disabled " + app
	case "client.enabled":
		return who + " enabled " + app
	case "api_key.created":
		return who + " created the API key " + quote(d.str("name")) + in(where)
	case "api_key.revoked":
		return who + " revoked the API key " + quote(d.str("name")) + in(where)
	case "membership.removed":
		if bySubject {
			return subject + " left " + or(where, "a workspace")
		}
		return who + " removed " + subject + " from " + or(where, "a workspace")
	case "template.deleted":
		s := who + " deleted the template " + quote(d.str("name")) + in(where)
		if ev.ActorType != models.ActorUser && ev.SubjectUserID != "" {
			s += " on behalf of " + subject
		}
		return s
	}
	s := who + ": " + ev.Action
	if ev.ClientID != "" {
		s += ", " + app
	}
	if ev.SubjectUserID != "" && !bySubject {
		s += ", " + subject
	}
	return s + in(where)
}

// grantDiff words a grant.updated diff: ": added Acme Design; no longer
// allowed to Delete templates".
func (d *describer) grantDiff() string {
	var parts []string
	if ws := d.workspaces(d.strs("workspaces_added")); ws != "" {
		parts = append(parts, "added "+ws)
	}
	if ws := d.workspaces(d.strs("workspaces_removed")); ws != "" {
		parts = append(parts, "removed "+ws)
	}
	if sc := d.scopes(d.strs("scopes_added")); sc != "" {
		parts = append(parts, "now allowed: "+sc)
	}
	if sc := d.scopes(d.strs("scopes_removed")); sc != "" {
		parts = append(parts, "no longer allowed: "+sc)
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, "; ")
}

// app is a client's name, or its id when it no longer exists.
func (d *describer) app(id string) string {
	if id == "" {
		return "an app"
	}
	if name, ok := d.names.Clients[id]; ok {
		return name
	}
	return "app " + id
}

func (d *describer) user(id string) string {
	if id == "" {
		return "someone"
	}
	if u, ok := d.names.Users[id]; ok {
		return u.Name
	}
	return "a deleted user"
}

// account is whose account a grant without workspaces reaches.
func (d *describer) account(bySubject bool) string {
	if bySubject || d.ev.SubjectUserID == "" {
		return "their account"
	}
	return possessive(d.user(d.ev.SubjectUserID)) + " account"
}

// workspaces names workspaces in a list: "Acme Marketing and Acme Design".
// Those redacted from the view count as "1 other workspace".
func (d *describer) workspaces(ids []string) string {
	var named []string
	others := 0
	for _, id := range ids {
		switch name, ok := d.names.Workspaces[id]; {
		case id == OtherWorkspace:
			others++
		case ok:
			named = append(named, name)
		default:
			named = append(named, "a deleted workspace")
		}
	}
	switch others {
	case 0:
	case 1:
		named = append(named, "1 other workspace")
	default:
		named = append(named, strconv.Itoa(others)+" other workspaces")
	}
	return list(named)
}

// scopes names permissions by their catalog titles.
func (d *describer) scopes(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n
		if d.catalog != nil {
			if sc, ok := d.catalog.Lookup(n); ok {
				out[i] = sc.Title
			}
		}
	}
	return list(out)
}

func (d *describer) detailsMap() map[string]any {
	if d.details == nil {
		d.details = map[string]any{}
		_ = json.Unmarshal([]byte(d.ev.Details), &d.details) // a malformed value reads as absent
	}
	return d.details
}

func (d *describer) str(key string) string {
	s, _ := d.detailsMap()[key].(string)
	return s
}

func (d *describer) number(key string) (int64, bool) {
	f, ok := d.detailsMap()[key].(float64)
	return int64(f), ok
}

func (d *describer) strs(key string) []string {
	raw, _ := d.detailsMap()[key].([]any)
	var out []string
	for _, v := range raw {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
