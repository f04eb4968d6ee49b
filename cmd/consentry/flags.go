package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/consentry/consentry/models"
)

// Flag names shared by several commands.
const (
	flagDB         = "db"
	flagScopes     = "scopes"
	flagJSON       = "json"
	flagAddr       = "addr"
	flagIssuer     = "issuer"
	flagSessionKey = "session-key"
)

// Defaults of the server flags.
const (
	defaultDB   = "consentry.db"
	defaultAddr = "127.0.0.1:8080"
	// minSessionKeyLength is the shortest --session-key accepted: 32
	// characters, so a key typed by hand still carries enough entropy for
	// the cookie keys derived from it.
	minSessionKeyLength = 32
	// sessionKeySetting names the generated session key in the settings table.
	sessionKeySetting = "session_key"
)

// globalOptions are flag values run needs after the command has finished:
// the output format decides how an error is reported.
type globalOptions struct {
	json bool
}

// globalFlags are given before or after the command name: urfave/cli v3
// flags are inherited by subcommands, so `consentry --db x user create …` and
// `consentry user create --db x …` both work.
//
// --scopes is the exception. `client create --scopes "a b"` names the scopes
// a client may request (SPEC §10), so the catalog file flag of the same name
// is local to the root command (`consentry --scopes FILE client create …`)
// and to serve and demo; CONSENTRY_SCOPES works everywhere.
func globalFlags(opts *globalOptions) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{
			Name:    flagDB,
			Usage:   "SQLite database file, or a postgres:// URL",
			Value:   defaultDB,
			Sources: cli.EnvVars("CONSENTRY_DB"),
		},
		catalogFlag(true),
		&cli.BoolFlag{
			Name:        flagJSON,
			Usage:       "print results and errors as JSON, for scripts",
			Destination: &opts.json,
		},
	}
}

// catalogFlag is the scope catalog file flag; see globalFlags for why it is
// never inherited.
func catalogFlag(root bool) cli.Flag {
	usage := "scope catalog file (JSON); empty means the built-in catalog"
	if root {
		usage += "; give it before the command name"
	}
	return &cli.StringFlag{
		Name:      flagScopes,
		Usage:     usage,
		Sources:   cli.EnvVars("CONSENTRY_SCOPES"),
		TakesFile: true,
		Local:     true,
	}
}

// catalogPath is the scope catalog file for cmd: its own --scopes when it has
// a catalog flag (serve, demo) that was set, else the root's.
func catalogPath(cmd *cli.Command, ownFlag bool) string {
	if ownFlag && cmd.IsSet(flagScopes) {
		return cmd.String(flagScopes)
	}
	return cmd.Root().String(flagScopes)
}

// serverFlags are the flags of serve and demo.
func serverFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{
			Name:    flagAddr,
			Usage:   "TCP address to listen on",
			Value:   defaultAddr,
			Sources: cli.EnvVars("CONSENTRY_ADDR"),
		},
		&cli.StringFlag{
			Name:        flagIssuer,
			Usage:       "public origin of the server, e.g. https://auth.example.com",
			DefaultText: "http://<addr>, with 127.0.0.1 for an unspecified host",
			Sources:     cli.EnvVars("CONSENTRY_ISSUER"),
		},
		&cli.StringFlag{
			Name:        flagSessionKey,
			Usage:       fmt.Sprintf("secret for session cookies, at least %d characters", minSessionKeyLength),
			DefaultText: "generated once and kept in the database",
			Sources:     cli.EnvVars("CONSENTRY_SESSION_KEY"),
		},
		catalogFlag(false),
		&cli.StringFlag{
			Name:    flagPprof,
			Usage:   "also serve Go's profiler (/debug/pprof/) on this loopback address, e.g. 127.0.0.1:6060",
			Sources: cli.EnvVars("CONSENTRY_PPROF"),
		},
	}
}

// parseIssuer checks an --issuer value: an absolute http(s) origin with no
// path, query or fragment. One trailing slash is dropped. Otherwise the value
// is kept exactly as given, because strict clients compare the issuer
// character for character.
func parseIssuer(raw string) (string, error) {
	issuer := strings.TrimSuffix(raw, "/")
	if !strings.HasPrefix(issuer, "http://") && !strings.HasPrefix(issuer, "https://") {
		return "", fmt.Errorf("issuer %q: must be an absolute URL starting with https:// (or http://)", raw)
	}
	u, err := url.Parse(issuer)
	if err != nil {
		return "", fmt.Errorf("issuer %q: %w", raw, err)
	}
	switch {
	case u.Host == "" || u.Hostname() == "":
		return "", fmt.Errorf("issuer %q: has no host", raw)
	case u.User != nil:
		return "", fmt.Errorf("issuer %q: must not contain user information", raw)
	case u.Path != "" || u.RawPath != "":
		return "", fmt.Errorf("issuer %q: must be an origin without a path (got %q)", raw, u.Path)
	case u.RawQuery != "" || u.ForceQuery:
		return "", fmt.Errorf("issuer %q: must not have a query", raw)
	case u.Fragment != "" || strings.Contains(issuer, "#"):
		return "", fmt.Errorf("issuer %q: must not have a fragment", raw)
	}
	return issuer, nil
}

// defaultIssuer is the issuer for a server listening on addr when none is
// configured: http://addr, with an unspecified host (empty, 0.0.0.0, ::)
// replaced by 127.0.0.1 so that the URL can be opened in a browser.
func defaultIssuer(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("address %q: %w", addr, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}

// sessionKey returns the --session-key value, or the key generated on the
// first start and kept in the database, so sessions survive restarts and
// every instance on one database agrees.
func sessionKey(ctx context.Context, store *models.Store, flagValue string, random io.Reader) ([]byte, error) {
	if flagValue != "" {
		if len(flagValue) < minSessionKeyLength {
			return nil, fmt.Errorf("session key is %d characters long; it must be at least %d", len(flagValue), minSessionKeyLength)
		}
		return []byte(flagValue), nil
	}
	key, err := store.EnsureSetting(ctx, sessionKeySetting, func() ([]byte, error) {
		key := make([]byte, 32)
		if _, err := io.ReadFull(random, key); err != nil {
			return nil, err
		}
		return key, nil
	})
	if err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	return key, nil
}
