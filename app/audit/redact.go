package audit

import (
	"strings"

	"github.com/consentry/consentry/models"
)

// OtherWorkspace stands in for the id of a workspace outside the view.
const OtherWorkspace = "other-workspace"

// Redact is ev as the admins of one workspace (scope) may see it. An event
// can touch several workspaces — a grant to Acme Marketing and Bob's Studio
// — and belongs in each one's log, but which other tenants it touched is
// not theirs to learn: every other workspace's id, in the workspace list
// and in the details, becomes OtherWorkspace. With an empty scope (the
// platform's view) ev is returned as it is.
//
// The hashes are left alone, so a redacted row no longer matches its hash;
// the chain is verified on the whole, unredacted trail (consentry audit
// verify, /admin).
func Redact(ev models.AuditEvent, scope string) models.AuditEvent {
	if scope == "" || ev.WorkspaceIDs == "" || ev.WorkspaceIDs == scope {
		return ev
	}
	ids := strings.Fields(ev.WorkspaceIDs)
	var pairs []string
	for i, id := range ids {
		if id != scope {
			pairs = append(pairs, id, OtherWorkspace)
			ids[i] = OtherWorkspace
		}
	}
	if len(pairs) == 0 {
		return ev
	}
	ev.WorkspaceIDs = strings.Join(ids, " ")
	// Workspace ids are UUIDs (letters, digits and dashes): replacing them
	// as text cannot touch the JSON around them.
	ev.Details = strings.NewReplacer(pairs...).Replace(ev.Details)
	return ev
}
