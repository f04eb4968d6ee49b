package components

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Initials is what an avatar shows when a person has no picture: the first
// letter of their first and last names ("Ada Lovelace" → "AL"), or "?" when
// the name is empty. An email address counts by its local part, for people
// whose name is not set. It lives in Go so the templates stay free of logic.
func Initials(name string) string {
	if at := strings.IndexByte(name, '@'); at >= 0 {
		name = name[:at]
	}
	// A bracketed suffix ("Pixel Reports (demo)") qualifies the name; it is
	// not part of it.
	if i := strings.IndexByte(name, '('); i > 0 {
		name = name[:i]
	}
	// Words are runs of letters and digits: punctuation such as the
	// brackets of "Pixel Reports (demo)" never becomes an initial.
	words := strings.FieldsFunc(name, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	if len(words) == 0 {
		return "?"
	}
	first, _ := utf8.DecodeRuneInString(words[0])
	out := string(unicode.ToUpper(first))
	if len(words) > 1 {
		last, _ := utf8.DecodeRuneInString(words[len(words)-1])
		out += string(unicode.ToUpper(last))
	}
	return out
}
