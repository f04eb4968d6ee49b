package components

import "testing"

var initialsCases = []struct {
	name, in, want string
}{
	{"first and last name give two letters", "Ada Lovelace", "AL"},
	{"a bracketed suffix is not part of the name", "Pixel Reports (demo)", "PR"},
	{"punctuation never becomes an initial", "(Acme) & Co", "AC"},
	{"middle names are skipped", "Grace Brewster Murray Hopper", "GH"},
	{"a single name gives one letter", "Cher", "C"},
	{"lower case is raised", "bob smith", "BS"},
	{"an email counts by its local part", "ada.lovelace@example.com", "AL"},
	{"letters beyond ASCII are whole runes", "Élodie Ødegaard", "ÉØ"},
	{"an empty name shows a question mark", "   ", "?"},
}

func TestInitials(t *testing.T) {
	for _, c := range initialsCases {
		t.Run(c.name, func(t *testing.T) {
			if got := Initials(c.in); got != c.want {
				t.Errorf("Initials(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}
