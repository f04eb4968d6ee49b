// Package secret makes and checks Consentry's high-entropy secrets: client
// secrets, codes, tokens and API keys. They carry 256 random bits, so a single
// SHA-256 is the right hash at rest; a password hash would only add cost.
package secret

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"io"
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

// Matches compares a presented secret with a stored hash in constant time.
func Matches(storedHash []byte, presented string) bool {
	return len(storedHash) == sha256.Size && subtle.ConstantTimeCompare(storedHash, Hash(presented)) == 1
}
