package main

import (
	"context"
	"fmt"
	"io"

	"github.com/urfave/cli/v3"

	"github.com/consentry/consentry/app/accounts"
)

// userCommand groups the user administration commands.
func userCommand() *cli.Command {
	return &cli.Command{
		Name:  "user",
		Usage: "manage users",
		Commands: []*cli.Command{
			{
				Name:      "create",
				Usage:     "create a user who can sign in with an email and password",
				UsageText: "consentry user create --email E --password P [--name N] [--platform-admin] [--json]",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "email", Usage: "sign-in email address (unique, case-insensitive)", Required: true},
					&cli.StringFlag{Name: "password", Usage: fmt.Sprintf("password, at least %d characters", accounts.MinPasswordLength), Required: true},
					&cli.StringFlag{Name: "name", Usage: "display name", DefaultText: "the part of the email before the @"},
					&cli.BoolFlag{Name: "platform-admin", Usage: "let the user open the platform-wide admin pages"},
				},
				Action: createUser,
			},
		},
	}
}

func createUser(ctx context.Context, cmd *cli.Command) error {
	if err := noArgs(cmd); err != nil {
		return err
	}
	return withBackend(ctx, cmd, func(b *backend) error {
		u, err := b.accounts.CreateUser(ctx, accounts.NewUser{
			Email:         cmd.String("email"),
			Password:      cmd.String("password"),
			Name:          cmd.String("name"),
			PlatformAdmin: cmd.Bool("platform-admin"),
		})
		if err != nil {
			return err
		}
		return emit(cmd, struct {
			ID string `json:"id"`
		}{u.ID}, func(w io.Writer) {
			kind := "user"
			if u.PlatformAdmin {
				kind = "platform admin"
			}
			fmt.Fprintf(w, "Created %s %s (%s), id %s\n", kind, u.Email, u.Name, u.ID)
		})
	})
}
