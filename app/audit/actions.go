package audit

// Action is a kind of event the logs can be filtered by.
type Action struct {
	Name  string
	Label string
	// Workspace is true when such events touch workspaces, and so appear
	// in workspace logs.
	Workspace bool
}

// actions are the events Consentry records, in the order the filter lists
// them: the grant lifecycle first.
var actions = []Action{
	{"grant.created", "App allowed", true},
	{"grant.updated", "Access changed", true},
	{"grant.workspace_removed", "App removed from a workspace", true},
	{"grant.revoked", "Access revoked", true},
	{"tokens.revoked", "Tokens revoked", true},
	{"refresh.reuse_detected", "Refresh token reused", false},
	{"code.reuse_detected", "Authorization code reused", false},
	{"membership.removed", "Member removed", true},
	{"api_key.created", "API key created", true},
	{"api_key.revoked", "API key revoked", true},
	{"template.deleted", "Template deleted", true},
	{"client.created", "App registered", true},
	{"client.updated", "App registration changed", true},
	{"client.secret_rotated", "App secret rotated", true},
	{"client.disabled", "App disabled", false},
	{"client.enabled", "App enabled", false},
}

// Actions are the actions a log's filter offers: every one for the
// platform's log, those that touch workspaces for a workspace's.
func Actions(workspace bool) []Action {
	out := make([]Action, 0, len(actions))
	for _, a := range actions {
		if a.Workspace || !workspace {
			out = append(out, a)
		}
	}
	return out
}
