package secret

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
)

func TestNew(t *testing.T) {
	a, err := New(rand.Reader, PrefixAccessToken)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(rand.Reader, PrefixAccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(a, "ost_") {
		t.Errorf("New() = %q, want the ost_ prefix", a)
	}
	if got, want := len(a), len("ost_")+43; got != want {
		t.Errorf("len(New()) = %d, want %d (256 bits in base64url)", got, want)
	}
	if a == b {
		t.Errorf("two secrets are equal: %q", a)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

func TestNewFailsWithoutRandomness(t *testing.T) {
	if _, err := New(failingReader{}, PrefixCode); err == nil {
		t.Fatal("New() with a failing reader: got nil error")
	}
}

func TestMatches(t *testing.T) {
	stored := Hash("oss_right")
	tests := []struct {
		name      string
		hash      []byte
		presented string
		want      bool
	}{
		{"same secret", stored, "oss_right", true},
		{"other secret", stored, "oss_wrong", false},
		{"empty presented", stored, "", false},
		{"no stored hash", nil, "", false},
		{"truncated stored hash", stored[:16], "oss_right", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Matches(tt.hash, tt.presented); got != tt.want {
				t.Errorf("Matches() = %v, want %v", got, tt.want)
			}
		})
	}
	if bytes.Equal(Hash("a"), Hash("b")) {
		t.Error("Hash(a) == Hash(b)")
	}
}
