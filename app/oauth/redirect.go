// Package oauth is Consentry's protocol engine: it knows OAuth 2.1, PKCE and
// the RFCs behind them, and nothing of HTTP frameworks or databases.
package oauth

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// ValidateRedirectURI checks a redirect URI offered at client registration:
// absolute, no fragment, no wildcard, https unless it is a loopback http URI
// (RFC 8252 §7.3 and OAuth 2.1 §2.3).
func ValidateRedirectURI(raw string) error {
	if raw == "" {
		return errors.New("redirect URI is empty")
	}
	if strings.ContainsAny(raw, "*") {
		return fmt.Errorf("redirect URI %q: wildcards are not allowed", raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("redirect URI %q: %w", raw, err)
	}
	switch {
	case !u.IsAbs() || u.Host == "":
		return fmt.Errorf("redirect URI %q: must be an absolute URI with a host", raw)
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return fmt.Errorf("redirect URI %q: must not contain a fragment", raw)
	case u.User != nil:
		return fmt.Errorf("redirect URI %q: must not contain user information", raw)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopbackHost(u.Hostname()):
		return nil
	case u.Scheme == "http":
		return fmt.Errorf("redirect URI %q: http is only allowed for loopback hosts (127.0.0.1, [::1], localhost); use https", raw)
	default:
		return fmt.Errorf("redirect URI %q: scheme must be https (or http for loopback)", raw)
	}
}

// isLoopbackHost reports whether host is a loopback IP literal or localhost.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// matchRedirectURI reports whether requested is one of the registered URIs.
// Matching is exact, character for character, except that a public native
// client's loopback IP redirect may use any port (RFC 8252 §7.3).
func matchRedirectURI(registered []string, requested string, public bool) bool {
	for _, r := range registered {
		if r == requested {
			return true
		}
	}
	if !public {
		return false
	}
	req, err := url.Parse(requested)
	if err != nil || req.Scheme != "http" || !isLoopbackIP(req.Hostname()) {
		return false
	}
	for _, r := range registered {
		reg, err := url.Parse(r)
		if err != nil || reg.Scheme != "http" || !isLoopbackIP(reg.Hostname()) {
			continue
		}
		if reg.Hostname() == req.Hostname() && reg.EscapedPath() == req.EscapedPath() &&
			reg.RawQuery == req.RawQuery && req.Fragment == "" && req.User == nil {
			return true
		}
	}
	return false
}

// isLoopbackIP accepts loopback IP literals only: RFC 8252 §8.3 advises
// against "localhost" for the any-port rule.
func isLoopbackIP(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
