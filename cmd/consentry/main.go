// Command consentry runs the Consentry OAuth 2.1 authorization server and
// administers it: users, workspaces and client apps.
//
// Configuration comes from flags with environment twins (--db and
// CONSENTRY_DB, …); see `consentry --help`.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v3"
)

func main() {
	os.Exit(run(context.Background(), os.Args, os.Stdout, os.Stderr))
}

// run executes the command line args (os.Args form: the program name first)
// and returns the process exit code. Errors are reported on stderr as
// "consentry: <error>", or as {"error": "<error>"} with --json.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var opts globalOptions
	root := newRootCommand(&opts, stdout, stderr)
	err := root.Run(ctx, args)
	if err == nil {
		return 0
	}
	reportError(stderr, opts.json, err)
	var exit cli.ExitCoder
	if errors.As(err, &exit) && exit.ExitCode() != 0 {
		return exit.ExitCode()
	}
	return 1
}

// newRootCommand builds the whole command tree. It is built afresh for each
// run, so no flag value outlives one invocation.
func newRootCommand(opts *globalOptions, stdout, stderr io.Writer) *cli.Command {
	root := &cli.Command{
		Name:  "consentry",
		Usage: "an OAuth 2.1 authorization server with consent and grant management",
		Description: "Run the server with `consentry serve` (or `consentry demo` for a local demo with sample\n" +
			"data), and administer it with the user, workspace and client commands.",
		Writer:    stdout,
		ErrWriter: stderr,
		Flags:     globalFlags(opts),
		Commands: []*cli.Command{
			serveCommand(),
			demoCommand(),
			userCommand(),
			workspaceCommand(),
			clientCommand(),
			apiKeyCommand(),
			auditCommand(),
			migrateCommand(),
			benchCommand(),
		},
		Suggest: true,
		// run reports every error once, in the chosen format; urfave's own
		// handler would print it and exit the process.
		ExitErrHandler: func(context.Context, *cli.Command, error) {},
	}
	_ = root.Walk(func(c *cli.Command) error {
		c.OnUsageError = usageError
		if len(c.Commands) > 0 && c.Action == nil {
			c.Action = groupAction
		}
		return nil
	})
	return root
}

// groupAction runs for a command group (the root, user, workspace, client)
// given no subcommand: it shows the group's help, or refuses an unknown
// subcommand instead of urfave's "No help topic".
func groupAction(_ context.Context, cmd *cli.Command) error {
	if cmd.Args().Present() {
		prefix := ""
		if cmd != cmd.Root() {
			prefix = commandPath(cmd) + ": "
		}
		return fmt.Errorf("%sunknown command %q (see '%s --help')", prefix, cmd.Args().First(), cmd.FullName())
	}
	if cmd == cmd.Root() {
		return cli.ShowRootCommandHelp(cmd)
	}
	return cli.ShowSubcommandHelp(cmd)
}
