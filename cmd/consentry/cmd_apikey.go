package main

import (
	"context"
	"fmt"
	"io"

	"github.com/urfave/cli/v3"
)

// apiKeyCommand groups the workspace API key commands.
func apiKeyCommand() *cli.Command {
	return &cli.Command{
		Name:  "api-key",
		Usage: "manage workspace API keys",
		Commands: []*cli.Command{
			{
				Name:  "create",
				Usage: "create an API key for a workspace; the key is shown only once",
				Description: "An API key acts for its one workspace with full access: OAuth scopes do not\n" +
					"apply to it. Keep it secret, and revoke it with `consentry api-key revoke ID`.",
				UsageText: "consentry api-key create --workspace ID --name N [--json]",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "workspace", Usage: "id of the workspace the key acts for", Required: true},
					&cli.StringFlag{Name: "name", Usage: "name that tells people what the key is for (1 to 100 characters)", Required: true},
				},
				Action: createAPIKey,
			},
			{
				Name:      "revoke",
				Usage:     "revoke an API key; it stops working at once",
				UsageText: "consentry api-key revoke ID [--json]",
				ArgsUsage: "ID",
				Action:    revokeAPIKey,
			},
		},
	}
}

// createdAPIKey is the JSON answer of api-key create.
type createdAPIKey struct {
	ID  string `json:"id"`
	Key string `json:"key"`
}

func createAPIKey(ctx context.Context, cmd *cli.Command) error {
	if err := noArgs(cmd); err != nil {
		return err
	}
	return withBackend(ctx, cmd, func(b *backend) error {
		k, plain, err := b.apikeys.Create(ctx, cliActor(), cmd.String("workspace"), cmd.String("name"), "")
		if err != nil {
			return err
		}
		return emit(cmd, createdAPIKey{ID: k.ID, Key: plain}, func(w io.Writer) {
			fmt.Fprintf(w, "Created API key %q for workspace %s\n", k.Name, k.WorkspaceID)
			fmt.Fprintf(w, "  id:   %s\n", k.ID)
			fmt.Fprintf(w, "  key:  %s\n", plain)
			fmt.Fprintln(w, "The key is shown only once and is stored hashed: copy it now.")
			fmt.Fprintln(w, "It has full access to this workspace (OAuth scopes do not apply to it): keep it secret.")
		})
	})
}

// revokedAPIKey is the JSON answer of api-key revoke.
type revokedAPIKey struct {
	ID      string `json:"id"`
	Revoked bool   `json:"revoked"`
}

func revokeAPIKey(ctx context.Context, cmd *cli.Command) error {
	args := cmd.Args()
	switch {
	case args.Len() == 0:
		return fmt.Errorf("api-key revoke: missing API key ID (see '%s --help')", cmd.FullName())
	case args.Len() > 1:
		return fmt.Errorf("api-key revoke: unexpected argument %q after the API key ID", args.Get(1))
	}
	id := args.First()
	return withBackend(ctx, cmd, func(b *backend) error {
		if err := b.apikeys.RevokeByID(ctx, cliActor(), id); err != nil {
			return err
		}
		return emit(cmd, revokedAPIKey{ID: id, Revoked: true}, func(w io.Writer) {
			fmt.Fprintf(w, "Revoked API key %s\n", id)
		})
	})
}
