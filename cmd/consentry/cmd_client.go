package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/urfave/cli/v3"

	"github.com/consentry/consentry/app/clients"
)

// clientCommand groups the client (third-party app) administration commands.
func clientCommand() *cli.Command {
	return &cli.Command{
		Name:  "client",
		Usage: "manage client apps",
		Commands: []*cli.Command{
			{
				Name:  "create",
				Usage: "register a client app; a confidential client's secret is shown only once",
				UsageText: "consentry client create --name N --redirect-uri U [--redirect-uri U2 …] --scopes \"a b\"\n" +
					"   [--public] [--resource-server] [--logo-url U] [--homepage-url U] [--workspace ID] [--json]",
				// Redirect URIs may contain commas; repeat the flag instead.
				DisableSliceFlagSeparator: true,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "name", Usage: "name shown on the consent screen", Required: true},
					&cli.StringSliceFlag{Name: "redirect-uri", Usage: "exact redirect URI; repeat the flag for several", Required: true},
					&cli.StringFlag{Name: "scopes", Usage: "space-separated scopes the client may request, from the catalog", Required: true},
					&cli.BoolFlag{Name: "public", Usage: "a public client (native or browser app) that has no secret"},
					&cli.BoolFlag{Name: "resource-server", Usage: "the client is also a resource server that introspects tokens"},
					&cli.StringFlag{Name: "logo-url", Usage: "absolute http(s) URL of the app's logo"},
					&cli.StringFlag{Name: "homepage-url", Usage: "absolute http(s) URL of the app's homepage"},
					&cli.StringFlag{Name: "workspace", Usage: "id of the workspace that owns the client"},
				},
				Action: createClient,
			},
			{
				Name:      "disable",
				Usage:     "switch a client off",
				UsageText: "consentry client disable ID [--json]",
				ArgsUsage: "ID",
				Action:    disableClient,
			},
		},
	}
}

// createdClient is the JSON answer of client create. A public client has no
// client_secret key at all.
type createdClient struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret,omitempty"`
}

func createClient(ctx context.Context, cmd *cli.Command) error {
	if err := noArgs(cmd); err != nil {
		return err
	}
	return withBackend(ctx, cmd, func(b *backend) error {
		reg, err := b.clients.Register(ctx, clients.Registration{
			Name:           cmd.String("name"),
			LogoURL:        cmd.String("logo-url"),
			HomepageURL:    cmd.String("homepage-url"),
			Public:         cmd.Bool("public"),
			RedirectURIs:   cmd.StringSlice("redirect-uri"),
			Scopes:         splitScopes(cmd.String("scopes")),
			ResourceServer: cmd.Bool("resource-server"),
			WorkspaceID:    cmd.String("workspace"),
		})
		if err != nil {
			return err
		}
		c := reg.Client
		return emit(cmd, createdClient{ClientID: c.ID, ClientSecret: reg.Secret}, func(w io.Writer) {
			fmt.Fprintf(w, "Created %s client %q\n", c.Type, c.Name)
			fmt.Fprintf(w, "  client_id:      %s\n", c.ID)
			if reg.Secret != "" {
				fmt.Fprintf(w, "  client_secret:  %s\n", reg.Secret)
			}
			fmt.Fprintf(w, "  redirect URIs:  %s\n", strings.Join(c.RedirectURIs, " "))
			fmt.Fprintf(w, "  scopes:         %s\n", strings.Join(c.AllowedScopes, " "))
			if reg.Secret != "" {
				fmt.Fprintln(w, "The client secret is shown only once and is stored hashed: copy it now.")
			}
		})
	})
}

// splitScopes reads a --scopes value: names separated by spaces (as in an
// OAuth scope parameter) or commas.
func splitScopes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
}

// disabledClient is the JSON answer of client disable.
type disabledClient struct {
	ClientID string `json:"client_id"`
	Disabled bool   `json:"disabled"`
}

func disableClient(ctx context.Context, cmd *cli.Command) error {
	args := cmd.Args()
	switch {
	case args.Len() == 0:
		return fmt.Errorf("client disable: missing client ID (see '%s --help')", cmd.FullName())
	case args.Len() > 1:
		return fmt.Errorf("client disable: unexpected argument %q after the client ID", args.Get(1))
	}
	id := args.First()
	return withBackend(ctx, cmd, func(b *backend) error {
		if err := b.clients.Disable(ctx, id, cliActor()); err != nil {
			return err
		}
		return emit(cmd, disabledClient{ClientID: id, Disabled: true}, func(w io.Writer) {
			fmt.Fprintf(w, "Disabled client %s\n", id)
		})
	})
}
