package oauth

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Error codes of RFC 6749 §4.1.2.1 and §5.2, RFC 7009 and OpenID Connect.
const (
	ErrCodeInvalidRequest          = "invalid_request"
	ErrCodeInvalidClient           = "invalid_client"
	ErrCodeInvalidGrant            = "invalid_grant"
	ErrCodeUnauthorizedClient      = "unauthorized_client"
	ErrCodeUnsupportedGrantType    = "unsupported_grant_type"
	ErrCodeInvalidScope            = "invalid_scope"
	ErrCodeUnsupportedResponseType = "unsupported_response_type"
	ErrCodeAccessDenied            = "access_denied"
	ErrCodeServerError             = "server_error"
	ErrCodeLoginRequired           = "login_required"
	ErrCodeConsentRequired         = "consent_required"
	ErrCodeRequestNotSupported     = "request_not_supported"
	ErrCodeRequestURINotSupported  = "request_uri_not_supported"
)

// Error is an OAuth error: an RFC code and a sentence for the developer.
// Values are created fresh each time (no shared sentinels to mutate); test
// for a code with HasCode.
type Error struct {
	Code        string
	Description string
}

func (e *Error) Error() string { return e.Code + ": " + e.Description }

// Status is the HTTP status of the error at the token, revocation and
// introspection endpoints (RFC 6749 §5.2).
func (e *Error) Status() int {
	switch e.Code {
	case ErrCodeInvalidClient:
		return http.StatusUnauthorized
	case ErrCodeServerError:
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

func oauthError(code, format string, args ...any) *Error {
	return &Error{Code: code, Description: descriptionText(fmt.Sprintf(format, args...))}
}

// descriptionText keeps an error_description within the characters RFC 6749
// §4.1.2.1 and §5.2 allow (%x20-21 / %x23-5B / %x5D-7E). Descriptions quote
// request values with %q, so double quotes become single ones and anything
// else outside the set (a backslash, a control or non-ASCII character from
// the request) becomes '?'.
func descriptionText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '"':
			return '\''
		case r == 0x20 || r == 0x21 || (r >= 0x23 && r <= 0x5B) || (r >= 0x5D && r <= 0x7E):
			return r
		}
		return '?'
	}, s)
}

// HasCode reports whether err is (or wraps) an OAuth error with code.
func HasCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// RedirectError is an authorization error that goes back to the client on
// its (already verified) redirect URI, with state and iss (RFC 9207).
// Errors before the redirect URI is trusted are plain *Error values and are
// shown to the person instead.
type RedirectError struct {
	Err         *Error
	RedirectURI string
	State       string
}

func (e *RedirectError) Error() string { return e.Err.Error() }
func (e *RedirectError) Unwrap() error { return e.Err }
