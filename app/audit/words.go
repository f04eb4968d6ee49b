package audit

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/consentry/consentry/models"
)

// raw is the event as indented JSON, the details decoded in place.
func raw(ev models.AuditEvent) string {
	v := struct {
		ID            int64           `json:"id"`
		OccurredAt    string          `json:"occurred_at"`
		Action        string          `json:"action"`
		ActorType     string          `json:"actor_type"`
		ActorID       string          `json:"actor_id,omitempty"`
		SubjectUserID string          `json:"subject_user_id,omitempty"`
		ClientID      string          `json:"client_id,omitempty"`
		WorkspaceIDs  []string        `json:"workspace_ids,omitempty"`
		Details       json.RawMessage `json:"details"`
		IP            string          `json:"ip,omitempty"`
		UserAgent     string          `json:"user_agent,omitempty"`
	}{
		ID: ev.ID, OccurredAt: ev.OccurredAt.UTC().Format("2006-01-02T15:04:05.000000Z07:00"), Action: ev.Action,
		ActorType: ev.ActorType, ActorID: ev.ActorID, SubjectUserID: ev.SubjectUserID, ClientID: ev.ClientID,
		WorkspaceIDs: strings.Fields(ev.WorkspaceIDs), Details: json.RawMessage(ev.Details), IP: ev.IP, UserAgent: ev.UserAgent,
	}
	if !json.Valid(v.Details) {
		v.Details = json.RawMessage(strconv.Quote(ev.Details))
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprintf("event %d: %v", ev.ID, err)
	}
	return string(b)
}

// list joins words the way a sentence does: "A", "A and B", "A, B and C".
func list(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// possessive is "Pixel Reports’" or "Rendermatic’s".
func possessive(name string) string {
	if strings.HasSuffix(name, "s") {
		return name + "’"
	}
	return name + "’s"
}

func quote(s string) string {
	if s == "" {
		return "(unnamed)"
	}
	return "“" + s + "”"
}

func or(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// in is " in Acme Design", or nothing without a workspace.
func in(where string) string {
	if where == "" {
		return ""
	}
	return " in " + where
}

// forAccount is " for Alice Example", or nothing without a subject.
func forAccount(id, name string) string {
	if id == "" {
		return ""
	}
	return " for " + name
}
