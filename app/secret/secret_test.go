package secret

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"
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

func TestNewOrderedKeysSortByTime(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	var keys [][]byte
	for i := range 3 {
		plain, err := NewOrdered(rand.Reader, PrefixRefreshToken, at.Add(time.Duration(i)*time.Nanosecond))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(plain, PrefixRefreshToken) || len(plain) != len(PrefixRefreshToken)+54 {
			t.Fatalf("NewOrdered() = %q, want osr_ and 54 base64url characters (a time and 256 bits)", plain)
		}
		key := Key(plain)
		if len(key) != 8+sha256.Size || !bytes.Equal(key[8:], Hash(plain)) {
			t.Fatalf("Key(%q) = %x, want the time then the SHA-256 hash", plain, key)
		}
		if made := at.Add(time.Duration(i) * time.Nanosecond); !bytes.Equal(KeyAt(made, Hash(plain)), key) {
			t.Errorf("KeyAt(%v, its hash) = %x, want its Key %x", made, KeyAt(made, Hash(plain)), key)
		}
		keys = append(keys, key)
	}
	for i := 1; i < len(keys); i++ {
		if bytes.Compare(keys[i-1], keys[i]) >= 0 {
			t.Errorf("key %d does not sort after key %d: %x, %x", i, i-1, keys[i], keys[i-1])
		}
	}
	if _, err := NewOrdered(failingReader{}, PrefixCode, at); err == nil {
		t.Error("NewOrdered() with a failing reader: got nil error")
	}
}

// Secrets that are not NewOrdered's — made by New before it, or anything
// else presented — are found by their plain hash, whatever they hold.
func TestKeyOfOtherSecretsIsTheirHash(t *testing.T) {
	old, err := New(rand.Reader, PrefixAccessToken)
	if err != nil {
		t.Fatal(err)
	}
	bad54 := PrefixAccessToken + strings.Repeat("*", 54)
	newlines54 := PrefixAccessToken + strings.Repeat("\n", 54)
	mixed54 := PrefixAccessToken + strings.Repeat("A", 50) + "\r\nAA"
	for _, plain := range []string{old, "", "ost_", "no-underscore", bad54, newlines54, mixed54, old + "x"} {
		if got := Key(plain); !bytes.Equal(got, Hash(plain)) {
			t.Errorf("Key(%q) = %x, want its Hash", plain, got)
		}
	}
}
