package models

import (
	"context"
	"fmt"
	"time"
)

// Template is a sample resource of the demo mode's templates API: it exists
// to show scope and role enforcement end to end.
type Template struct {
	ID          string    `gorm:"primaryKey;size:36"`
	WorkspaceID string    `gorm:"size:36;not null;index"`
	Workspace   Workspace `gorm:"constraint:OnDelete:CASCADE"`
	Name        string    `gorm:"size:200;not null"`
	Kind        string    `gorm:"size:16;not null"`
	CreatedAt   time.Time
}

// TemplatesOf lists a workspace's templates by name.
func (s *Store) TemplatesOf(ctx context.Context, workspaceID string) ([]Template, error) {
	var out []Template
	if err := s.conn(ctx).Where("workspace_id = ?", workspaceID).Order("name, id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list templates of %q: %w", workspaceID, translate(err))
	}
	return out, nil
}

// DeleteTemplate deletes one template of a workspace; a template of another
// workspace is ErrNotFound.
func (s *Store) DeleteTemplate(ctx context.Context, workspaceID, id string) (Template, error) {
	var t Template
	if err := translate(s.conn(ctx).Where("id = ? AND workspace_id = ?", id, workspaceID).Take(&t).Error); err != nil {
		return Template{}, fmt.Errorf("find template %q in %q: %w", id, workspaceID, err)
	}
	if err := s.conn(ctx).Delete(&Template{}, "id = ?", id).Error; err != nil {
		return Template{}, fmt.Errorf("delete template %q: %w", id, translate(err))
	}
	return t, nil
}

// WorkspacesWithoutTemplates lists the ids of workspaces that have none.
func (s *Store) WorkspacesWithoutTemplates(ctx context.Context) ([]string, error) {
	var ids []string
	err := s.conn(ctx).Model(&Workspace{}).
		Where("NOT EXISTS (SELECT 1 FROM templates WHERE templates.workspace_id = workspaces.id)").
		Order("id").Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("find workspaces without templates: %w", translate(err))
	}
	return ids, nil
}

// CreateTemplates stores templates.
func (s *Store) CreateTemplates(ctx context.Context, ts []Template) error {
	if len(ts) == 0 {
		return nil
	}
	if err := s.conn(ctx).Omit("Workspace").Create(&ts).Error; err != nil {
		return fmt.Errorf("create templates: %w", translate(err))
	}
	return nil
}
