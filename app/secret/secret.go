// Package secret makes and checks Consentry's high-entropy secrets: client
// secrets, codes, tokens and API keys. They carry 256 random bits, so a single
// SHA-256 is the right hash at rest; a password hash would only add cost.
package secret

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"time"
)

// Prefixes that mark each kind of secret, so secret scanners can spot them.
const (
	PrefixClientSecret = "oss_"
	PrefixCode         = "osc_"
	PrefixAccessToken  = "ost_"
	PrefixRefreshToken = "osr_"
	PrefixAPIKey       = "osk_"
)

// entropyBytes is 256 bits.
const entropyBytes = 32

// New returns prefix followed by 256 random bits in unpadded base64url.
func New(random io.Reader, prefix string) (string, error) {
	buf := make([]byte, entropyBytes)
	if _, err := io.ReadFull(random, buf); err != nil {
		return "", fmt.Errorf("generate %s secret: %w", prefix, err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(buf), nil
}

// Hash is the form a secret is stored in.
func Hash(plain string) []byte {
	sum := sha256.Sum256([]byte(plain))
	return sum[:]
}

// orderedBodyLen is the base64url length of what follows the prefix in a
// secret made by NewOrdered: an 8-byte time and 256 random bits.
var orderedBodyLen = base64.RawURLEncoding.EncodedLen(8 + entropyBytes)

// NewOrdered is New for codes and tokens, which are stored and found by
// Key: before the 256 random bits, it writes the time it is made (8 bytes,
// big-endian nanoseconds since 1970). Key starts with that time, so the key
// of each new secret sorts after those made before it, and an index of keys
// grows at its end: issuing one writes the index page the last one wrote,
// not a random page of an index that grows with every token ever issued.
// The time is not secret (a token's holder learns it from introspection).
func NewOrdered(random io.Reader, prefix string, at time.Time) (string, error) {
	buf := make([]byte, 8+entropyBytes)
	binary.BigEndian.PutUint64(buf, uint64(at.UnixNano()))
	if _, err := io.ReadFull(random, buf[8:]); err != nil {
		return "", fmt.Errorf("generate %s secret: %w", prefix, err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(buf), nil
}

// Key is the form a code or token is stored and found by: its Hash, after
// the 8-byte time of one made by NewOrdered. Secrets made by New (tokens
// issued before NewOrdered) have no time, and their key is their Hash.
func Key(plain string) []byte {
	_, body, ok := strings.Cut(plain, "_")
	if !ok || len(body) != orderedBodyLen {
		return Hash(plain)
	}
	// Strict: the decoder would otherwise skip CR and LF, and a body of
	// them decode to fewer bytes than a time and 256 bits.
	raw, err := base64.RawURLEncoding.Strict().DecodeString(body)
	if err != nil || len(raw) != 8+entropyBytes {
		return Hash(plain)
	}
	sum := sha256.Sum256([]byte(plain))
	return KeyAt(time.Unix(0, int64(binary.BigEndian.Uint64(raw))), sum[:])
}

// KeyAt is the Key of a secret made at a time with this hash, for those who
// store rows without the secrets themselves (the bench's seeded history).
func KeyAt(made time.Time, hash []byte) []byte {
	return append(binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(hash)), uint64(made.UnixNano())), hash...)
}

// Matches compares a presented secret with a stored hash in constant time.
func Matches(storedHash []byte, presented string) bool {
	return len(storedHash) == sha256.Size && subtle.ConstantTimeCompare(storedHash, Hash(presented)) == 1
}
