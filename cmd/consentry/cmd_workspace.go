package main

import (
	"context"
	"fmt"
	"io"

	"github.com/urfave/cli/v3"

	"github.com/consentry/consentry/models"
)

// workspaceCommand groups the workspace administration commands.
func workspaceCommand() *cli.Command {
	return &cli.Command{
		Name:  "workspace",
		Usage: "manage workspaces and their members",
		Commands: []*cli.Command{
			{
				Name:      "create",
				Usage:     "create a workspace owned by an existing user",
				UsageText: "consentry workspace create --name N --owner EMAIL [--json]",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "name", Usage: "workspace name (unique among the owner's workspaces)", Required: true},
					&cli.StringFlag{Name: "owner", Usage: "email of the user who becomes its owner", Required: true},
				},
				Action: createWorkspace,
			},
			{
				Name:      "add-member",
				Usage:     "add a user to a workspace, or change their role there",
				UsageText: "consentry workspace add-member --workspace ID --email E --role R [--json]",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "workspace", Usage: "workspace id", Required: true},
					&cli.StringFlag{Name: "email", Usage: "email of the user", Required: true},
					&cli.StringFlag{Name: "role", Usage: "owner, admin, member or viewer", Required: true},
				},
				Action: addMember,
			},
			{
				Name:      "remove-member",
				Usage:     "remove a user from a workspace (never its last owner)",
				UsageText: "consentry workspace remove-member --workspace ID --email E [--json]",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "workspace", Usage: "workspace id", Required: true},
					&cli.StringFlag{Name: "email", Usage: "email of the member", Required: true},
				},
				Action: removeMember,
			},
		},
	}
}

func createWorkspace(ctx context.Context, cmd *cli.Command) error {
	if err := noArgs(cmd); err != nil {
		return err
	}
	return withBackend(ctx, cmd, func(b *backend) error {
		w, err := b.accounts.CreateWorkspace(ctx, cmd.String("name"), cmd.String("owner"))
		if err != nil {
			return err
		}
		return emit(cmd, struct {
			ID string `json:"id"`
		}{w.ID}, func(out io.Writer) {
			fmt.Fprintf(out, "Created workspace %q owned by %s, id %s\n", w.Name, models.NormalizeEmail(cmd.String("owner")), w.ID)
		})
	})
}

// memberResult is the JSON answer of add-member.
type memberResult struct {
	WorkspaceID string      `json:"workspace_id"`
	UserID      string      `json:"user_id"`
	Role        models.Role `json:"role"`
}

func addMember(ctx context.Context, cmd *cli.Command) error {
	if err := noArgs(cmd); err != nil {
		return err
	}
	role, err := models.ParseRole(cmd.String("role"))
	if err != nil {
		return fmt.Errorf("workspace add-member: %w", err)
	}
	return withBackend(ctx, cmd, func(b *backend) error {
		workspaceID, email := cmd.String("workspace"), cmd.String("email")
		if err := b.accounts.AddMember(ctx, workspaceID, email, role); err != nil {
			return err
		}
		u, err := b.store.UserByEmail(ctx, email)
		if err != nil {
			return err
		}
		w, err := b.store.WorkspaceByID(ctx, workspaceID)
		if err != nil {
			return err
		}
		return emit(cmd, memberResult{WorkspaceID: w.ID, UserID: u.ID, Role: role}, func(out io.Writer) {
			fmt.Fprintf(out, "%s now has role %s in workspace %q (%s)\n", u.Email, role, w.Name, w.ID)
		})
	})
}

// removedResult is the JSON answer of remove-member.
type removedResult struct {
	WorkspaceID string `json:"workspace_id"`
	UserID      string `json:"user_id"`
	Removed     bool   `json:"removed"`
}

func removeMember(ctx context.Context, cmd *cli.Command) error {
	if err := noArgs(cmd); err != nil {
		return err
	}
	return withBackend(ctx, cmd, func(b *backend) error {
		workspaceID, email := cmd.String("workspace"), cmd.String("email")
		if err := b.accounts.RemoveMember(ctx, workspaceID, email, cliActor()); err != nil {
			return err
		}
		u, err := b.store.UserByEmail(ctx, email)
		if err != nil {
			return err
		}
		w, err := b.store.WorkspaceByID(ctx, workspaceID)
		if err != nil {
			return err
		}
		return emit(cmd, removedResult{WorkspaceID: w.ID, UserID: u.ID, Removed: true}, func(out io.Writer) {
			fmt.Fprintf(out, "Removed %s from workspace %q (%s)\n", u.Email, w.Name, w.ID)
		})
	})
}
