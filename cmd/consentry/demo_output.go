package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/consentry/consentry/app/demo"
)

// printDemo tells the person at the terminal where to go and how to sign in.
func printDemo(w io.Writer, issuer string, sessionKey []byte, sum demo.Summary) {
	fmt.Fprintf(w, "\nConsentry demo is running at %s\n\n", issuer)
	fmt.Fprintf(w, "  Start a real authorization:  %s%s  (the sample app %q)\n", issuer, demo.AppPath, demo.ClientName)
	fmt.Fprintf(w, "  Sign in directly:            %s/login\n\n", issuer)
	fmt.Fprintln(w, "Demo accounts:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  EMAIL\tPASSWORD\tNAME\tACCESS")
	for _, a := range sum.Accounts {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", a.Email, a.Password, a.Name, accessSummary(a))
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "\nDemo client: client_id %s, client_secret %s\n", sum.ClientID, demo.ClientSecret(sessionKey))
	fmt.Fprintf(w, "             redirect URI %s\n", sum.RedirectURI)
	for _, warning := range sum.Warnings {
		fmt.Fprintf(w, "\nWarning: %s\n", warning)
	}
	fmt.Fprintln(w)
}

// accessSummary says in words what an account can do ("owner of Acme
// Marketing, member of Acme Design").
func accessSummary(a demo.Account) string {
	var parts []string
	if a.PlatformAdmin {
		parts = append(parts, "platform admin")
	}
	for _, r := range a.Roles {
		preposition := "of"
		if r.Role == "viewer" {
			preposition = "in"
		}
		parts = append(parts, fmt.Sprintf("%s %s %s", r.Role, preposition, r.Workspace))
	}
	if len(parts) == 0 {
		return "no workspaces"
	}
	return strings.Join(parts, ", ")
}
