package audit_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/consentry/consentry/app/audit"
	"github.com/consentry/consentry/models"
)

// describeNames are the names every sentence test resolves through.
var describeNames = models.DisplayNames{
	Users: map[string]models.UserName{
		"u-alice": {Name: "Alice Example", Email: "alice@example.com"},
		"u-bob":   {Name: "Bob Builder", Email: "bob@example.com"},
		"u-admin": {Name: "Ada Admin", Email: "admin@example.com"},
	},
	Clients:    map[string]string{"pixel": "Pixel Reports", "render": "Rendermatic"},
	Workspaces: map[string]string{"ws-mkt": "Acme Marketing", "ws-design": "Acme Design"},
	APIKeys:    map[string]string{"key-1": "Nightly export"},
}

// ev is an event by a user actor, for the sentence table.
func ev(action, actor, subject, client, workspaces, details string) models.AuditEvent {
	if details == "" {
		details = "{}"
	}
	return models.AuditEvent{
		ID: 7, Action: action, ActorType: models.ActorUser, ActorID: actor, SubjectUserID: subject,
		ClientID: client, WorkspaceIDs: workspaces, Details: details, IP: "192.0.2.1",
	}
}

func by(e models.AuditEvent, actorType, actorID string) models.AuditEvent {
	e.ActorType, e.ActorID = actorType, actorID
	return e
}

var sentenceTests = []struct {
	name string
	ev   models.AuditEvent
	want string
}{
	{"grant created", ev("grant.created", "u-bob", "u-bob", "pixel", "ws-design ws-mkt", `{"scopes":["openid"]}`),
		"Bob Builder allowed Pixel Reports into Acme Design and Acme Marketing"},
	{"grant created without workspaces", ev("grant.created", "u-bob", "u-bob", "pixel", "", ""),
		"Bob Builder allowed Pixel Reports to use their account"},
	{"grant updated", ev("grant.updated", "u-alice", "u-alice", "pixel", "ws-design ws-mkt",
		`{"scopes_added":["workspace:templates:read"],"scopes_removed":["workspace:templates:write"],"workspaces_added":["ws-design"],"workspaces_removed":["ws-mkt"]}`),
		"Alice Example changed Pixel Reports’ access: added Acme Design; removed Acme Marketing; now allowed: Read templates; no longer allowed: Delete templates"},
	{"grant revoked by its owner", ev("grant.revoked", "u-alice", "u-alice", "render", "ws-mkt", ""),
		"Alice Example revoked Rendermatic’s access"},
	{"grant revoked by an admin", ev("grant.revoked", "u-admin", "u-alice", "render", "ws-mkt", ""),
		"Ada Admin revoked Rendermatic’s access for Alice Example"},
	{"a user removes a workspace from their grant", ev("grant.workspace_removed", "u-alice", "u-alice", "pixel", "ws-design", ""),
		"Alice Example removed Pixel Reports from Acme Design"},
	{"a workspace admin removes an app", ev("grant.workspace_removed", "u-alice", "", "pixel", "ws-design", ""),
		"Alice Example removed Pixel Reports from Acme Design for every member"},
	{"tokens revoked", ev("tokens.revoked", "u-alice", "", "pixel", "ws-design", `{"cause":"grant.workspace_removed","count":12}`),
		"Pixel Reports’ tokens were revoked (12)"},
	{"tokens revoked for a user", ev("tokens.revoked", "u-alice", "u-bob", "render", "", `{"count":1}`),
		"Rendermatic’s tokens for Bob Builder were revoked (1)"},
	{"the app revokes its own token", by(ev("tokens.revoked", "", "u-bob", "pixel", "", `{"cause":"revocation_endpoint","count":2}`), models.ActorClient, "pixel"),
		"Pixel Reports’ tokens for Bob Builder were revoked (2) at the app’s request"},
	{"refresh token reuse", by(ev("refresh.reuse_detected", "", "u-bob", "pixel", "", ""), models.ActorClient, "pixel"),
		"Pixel Reports presented a refresh token that was already used for Bob Builder; the tokens of that sign-in were revoked"},
	{"client disabled from the command line", by(ev("client.disabled", "", "", "pixel", "", ""), models.ActorCLI, "root"),
		"Operator root disabled Pixel Reports"},
	{"client secret rotated", ev("client.secret_rotated", "u-admin", "", "render", "", ""),
		"Ada Admin rotated Rendermatic’s secret"},
	{"API key created", ev("api_key.created", "u-alice", "", "", "ws-mkt", `{"name":"Nightly export"}`),
		"Alice Example created the API key “Nightly export” in Acme Marketing"},
	{"a member leaves", ev("membership.removed", "u-bob", "u-bob", "", "ws-mkt", ""),
		"Bob Builder left Acme Marketing"},
	{"a member is removed", ev("membership.removed", "u-alice", "u-bob", "", "ws-mkt", ""),
		"Alice Example removed Bob Builder from Acme Marketing"},
	{"an app deletes a template", by(ev("template.deleted", "", "u-bob", "pixel", "ws-mkt", `{"name":"Q3 deck"}`), models.ActorClient, "pixel"),
		"Pixel Reports deleted the template “Q3 deck” in Acme Marketing on behalf of Bob Builder"},
	{"an API key deletes a template", by(ev("template.deleted", "", "", "", "ws-mkt", `{"name":"Q3 deck"}`), models.ActorAPIKey, "key-1"),
		"API key “Nightly export” deleted the template “Q3 deck” in Acme Marketing"},
	{"deleted records", ev("grant.created", "u-gone", "u-gone", "gone-app", "ws-gone", ""),
		"A deleted user allowed app gone-app into a deleted workspace"},
	{"a redacted workspace", ev("grant.created", "u-bob", "u-bob", "pixel", "other-workspace other-workspace ws-mkt", ""),
		"Bob Builder allowed Pixel Reports into Acme Marketing and 2 other workspaces"},
	{"an action without a sentence", ev("thing.happened", "u-alice", "u-bob", "pixel", "ws-mkt", ""),
		"Alice Example: thing.happened, Pixel Reports, Bob Builder in Acme Marketing"},
}

func TestDescribeSentences(t *testing.T) {
	for _, tt := range sentenceTests {
		t.Run(tt.name, func(t *testing.T) {
			got := audit.Describe([]models.AuditEvent{tt.ev}, describeNames, models.DefaultCatalog())
			if got[0].Sentence != tt.want {
				t.Errorf("sentence\n got: %s\nwant: %s", got[0].Sentence, tt.want)
			}
		})
	}
}

func TestDescribeActor(t *testing.T) {
	tests := []struct {
		ev   models.AuditEvent
		want audit.Actor
	}{
		{ev("grant.created", "u-alice", "u-alice", "", "", ""), audit.Actor{Kind: "user", Name: "Alice Example", Email: "alice@example.com"}},
		{by(ev("tokens.revoked", "", "", "", "", ""), models.ActorClient, "render"), audit.Actor{Kind: "app", Name: "Rendermatic"}},
		{by(ev("template.deleted", "", "", "", "", ""), models.ActorAPIKey, "key-1"), audit.Actor{Kind: "api_key", Name: "“Nightly export”"}},
		{by(ev("client.disabled", "", "", "", "", ""), models.ActorCLI, ""), audit.Actor{Kind: "cli", Name: "An operator"}},
		{by(ev("x.y", "", "", "", "", ""), models.ActorSystem, ""), audit.Actor{Kind: "system", Name: "Consentry"}},
	}
	for _, tt := range tests {
		if got := audit.Describe([]models.AuditEvent{tt.ev}, describeNames, nil)[0].Actor; got != tt.want {
			t.Errorf("%s by %s %q: actor %+v, want %+v", tt.ev.Action, tt.ev.ActorType, tt.ev.ActorID, got, tt.want)
		}
	}
}

func TestDescribeRawIsTheWholeEvent(t *testing.T) {
	e := ev("grant.updated", "u-alice", "u-alice", "pixel", "ws-design ws-mkt", `{"scopes_added":["openid"]}`)
	e.UserAgent = `Mozilla "quoted" <b>`
	raw := audit.Describe([]models.AuditEvent{e}, describeNames, nil)[0].Raw
	var got map[string]any
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		t.Fatalf("raw is not JSON: %v\n%s", err, raw)
	}
	if got["action"] != "grant.updated" || got["user_agent"] != e.UserAgent || got["ip"] != "192.0.2.1" {
		t.Errorf("raw = %v", got)
	}
	if d, ok := got["details"].(map[string]any); !ok || d["scopes_added"] == nil {
		t.Errorf("details are not embedded as an object: %v", got["details"])
	}
	if ws, ok := got["workspace_ids"].([]any); !ok || len(ws) != 2 {
		t.Errorf("workspace_ids = %v, want a list of two", got["workspace_ids"])
	}
	if !strings.Contains(raw, "\n  \"") {
		t.Error("raw is not indented for reading")
	}
	bad := ev("x", "", "", "", "", "not json")
	if raw := audit.Describe([]models.AuditEvent{bad}, describeNames, nil)[0].Raw; !strings.Contains(raw, `"details": "not json"`) {
		t.Errorf("malformed details: raw = %s", raw)
	}
}

func TestNamesForLooksUpOnlyTheViewsWorkspace(t *testing.T) {
	events := []models.AuditEvent{
		ev("grant.created", "u-alice", "u-bob", "pixel", "ws-design ws-mkt", ""),
		by(ev("template.deleted", "", "", "", "ws-mkt", ""), models.ActorAPIKey, "key-1"),
		by(ev("tokens.revoked", "", "", "render", "", ""), models.ActorClient, "render"),
	}
	ids := audit.NamesFor(events, "ws-mkt")
	if strings.Join(ids.Workspaces, ",") != "ws-mkt,ws-mkt" {
		t.Errorf("workspaces looked up in ws-mkt's view: %v", ids.Workspaces)
	}
	if !contains(ids.Users, "u-alice", "u-bob") || !contains(ids.Clients, "pixel", "render") || !contains(ids.APIKeys, "key-1") {
		t.Errorf("ids = %+v", ids)
	}
	if all := audit.NamesFor(events, ""); len(all.Workspaces) != 3 {
		t.Errorf("platform view looks up %v, want every workspace", all.Workspaces)
	}
}

func contains(set []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, s := range set {
			found = found || s == w
		}
		if !found {
			return false
		}
	}
	return true
}
