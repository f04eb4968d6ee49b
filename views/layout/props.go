// Package layout is the page shell every Consentry page shares.
package layout

// Page is what every page passes to the layout.
type Page struct {
	// Title is the page's own title; the layout appends " · Consentry".
	Title string
	// User is the person signed in, or nil.
	User *User
	// CSRF is the token for the sign-out form (and any other form).
	CSRF string
	// Flash is a one-time message carried over a redirect, or nil.
	Flash *Flash
}

// User is who is signed in, as the header shows them.
type User struct {
	Name      string
	Email     string
	AvatarURL string
	// PlatformAdmin shows the link to the platform admin pages.
	PlatformAdmin bool
}

// Flash is a one-time message shown at the top of the page.
type Flash struct {
	// Kind is "success" or "error".
	Kind    string
	Message string
}
