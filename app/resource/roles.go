package resource

import (
	"context"
	"slices"

	"github.com/consentry/consentry/models"
)

// roleIn returns the user's role in a workspace, and whether they are a
// member.
func (g *Guard) roleIn(ctx context.Context, userID, workspaceID string) (models.Role, bool, error) {
	ws, err := g.store.WorkspacesOf(ctx, userID)
	if err != nil {
		return "", false, err
	}
	i := slices.IndexFunc(ws, func(w models.UserWorkspace) bool { return w.ID == workspaceID })
	if i < 0 {
		return "", false, nil
	}
	return ws[i].Role, true, nil
}
