package clients

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/consentry/consentry/app/oauth"
	"github.com/consentry/consentry/app/secret"
)

// The fields a ValidationError can name. They are the names the admin
// registration form gives its inputs, so a form can put each message beside
// its field.
const (
	FieldID           = "client_id"
	FieldName         = "name"
	FieldLogoURL      = "logo_url"
	FieldHomepageURL  = "homepage_url"
	FieldRedirectURIs = "redirect_uris"
	FieldScopes       = "scopes"
	FieldSecret       = "client_secret"
)

// maxNameLength is the longest client name, as stored.
const maxNameLength = 200

// FieldError is one problem with one field of a registration or an edit.
type FieldError struct {
	// Field is one of the Field* constants.
	Field   string
	Message string
}

// ValidationError is every problem found in a registration or an edit, field
// by field, in form order. Its text joins the messages, so command-line
// callers print it as it is.
type ValidationError struct {
	Problems []FieldError
}

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Message
	}
	return strings.Join(msgs, "; ")
}

// For is the messages about one field, in order.
func (e *ValidationError) For(field string) []string {
	var out []string
	for _, p := range e.Problems {
		if p.Field == field {
			out = append(out, p.Message)
		}
	}
	return out
}

func (e *ValidationError) add(field, format string, args ...any) {
	e.Problems = append(e.Problems, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (e *ValidationError) addErr(field string, err error) {
	e.Problems = append(e.Problems, FieldError{Field: field, Message: err.Error()})
}

// orNil is e when it holds a problem, else a nil error (never a typed nil).
func (e *ValidationError) orNil() error {
	if len(e.Problems) == 0 {
		return nil
	}
	return e
}

// details are the fields a registration and an edit share, normalised.
type details struct {
	name, logoURL, homepageURL string
	redirects, scopes          []string
}

// checkDetails normalises and checks the shared fields, adding every
// problem to verr.
func (r *Registry) checkDetails(verr *ValidationError, name, logoURL, homepageURL string, redirectURIs, scopes []string) details {
	d := details{
		name: strings.TrimSpace(name), logoURL: strings.TrimSpace(logoURL), homepageURL: strings.TrimSpace(homepageURL),
		redirects: dedupe(redirectURIs), scopes: dedupe(scopes),
	}
	switch {
	case d.name == "":
		verr.add(FieldName, "name is empty")
	case len([]rune(d.name)) > maxNameLength:
		verr.add(FieldName, "name is longer than %d characters", maxNameLength)
	}
	if err := validateWebURL(d.logoURL); err != nil {
		verr.add(FieldLogoURL, "logo URL: %v", err)
	}
	if err := validateWebURL(d.homepageURL); err != nil {
		verr.add(FieldHomepageURL, "homepage URL: %v", err)
	}
	if len(d.redirects) == 0 {
		verr.add(FieldRedirectURIs, "at least one redirect URI is needed")
	}
	for _, u := range d.redirects {
		if err := oauth.ValidateRedirectURI(u); err != nil {
			verr.addErr(FieldRedirectURIs, err)
		}
	}
	if len(d.scopes) == 0 {
		verr.add(FieldScopes, "at least one scope is needed")
	} else if unknown := r.catalog.Unknown(d.scopes); len(unknown) > 0 {
		verr.add(FieldScopes, "unknown scopes: %s", strings.Join(unknown, ", "))
	}
	return d
}

// validateChosenSecret checks a caller-chosen secret without ever putting
// its value into an error.
func validateChosenSecret(plain string, public bool) error {
	switch {
	case plain == "":
		return nil
	case public:
		return errors.New("a public client cannot have a secret")
	case !strings.HasPrefix(plain, secret.PrefixClientSecret):
		return fmt.Errorf("client secret must start with %q", secret.PrefixClientSecret)
	case len(plain) < minChosenSecretLength:
		return fmt.Errorf("client secret must be at least %d characters", minChosenSecretLength)
	}
	return nil
}

// validateWebURL accepts an empty value or an absolute http(s) URL, which is
// all a logo or homepage link may be.
func validateWebURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	return nil
}

func validClientID(id string) bool {
	if len(id) > 64 {
		return false
	}
	for _, ch := range id {
		ok := ch == '-' || ch == '_' || ch == '.' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
		if !ok {
			return false
		}
	}
	return true
}

// dedupe drops blanks and repeats, keeping first-seen order.
func dedupe(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
