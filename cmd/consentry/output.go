package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/urfave/cli/v3"
)

// emit prints a command's result: v as one line of JSON with --json, or the
// text human writes otherwise.
func emit(cmd *cli.Command, v any, human func(w io.Writer)) error {
	w := cmd.Root().Writer
	if cmd.Bool(flagJSON) {
		if err := json.NewEncoder(w).Encode(v); err != nil {
			return fmt.Errorf("write result: %w", err)
		}
		return nil
	}
	human(w)
	return nil
}

// reportError prints err on stderr as "consentry: <error>", or as a JSON
// object {"error": "<error>"} when the caller asked for JSON.
func reportError(stderr io.Writer, asJSON bool, err error) {
	msg := err.Error()
	if asJSON {
		_ = json.NewEncoder(stderr).Encode(map[string]string{"error": msg})
		return
	}
	fmt.Fprintf(stderr, "consentry: %s\n", msg)
}

// usageError turns urfave's usage errors (unknown flag, missing required
// flag) into errors in the house style: lowercase, naming the command, and
// pointing at its help.
func usageError(_ context.Context, cmd *cli.Command, err error, _ bool) error {
	return fmt.Errorf("%s: %s (see '%s --help')", commandPath(cmd), lowerFirst(err.Error()), cmd.FullName())
}

// commandPath is the command's name without the program name ("user
// create"), or the program name for the root command.
func commandPath(cmd *cli.Command) string {
	path := cmd.Path()
	if len(path) > 1 {
		path = path[1:]
	}
	return strings.Join(path, " ")
}

// lowerFirst lowercases the first letter of s ("Required flag …" →
// "required flag …").
func lowerFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToLower(r)) + s[size:]
}

// noArgs refuses positional arguments on a command that takes none, which
// usually means a flag value was not quoted.
func noArgs(cmd *cli.Command) error {
	if cmd.Args().Present() {
		return fmt.Errorf("%s: unexpected argument %q (quote values that contain spaces)", commandPath(cmd), cmd.Args().First())
	}
	return nil
}
