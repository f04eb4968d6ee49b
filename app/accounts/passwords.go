// Package accounts manages people and tenants: users and their passwords,
// sign-in with throttling, workspaces and memberships.
package accounts

import (
	"fmt"
	"sync"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
)

// Password length limits. The upper bound keeps hashing cost bounded.
const (
	MinPasswordLength = 8
	MaxPasswordBytes  = 1024
)

// DefaultPasswordParams are OWASP's argon2id settings (19 MiB, t=2, p=1):
// about 40 ms a hash on the target machine.
var DefaultPasswordParams = argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// Passwords hashes and checks user passwords with argon2id.
type Passwords struct {
	params argon2id.Params

	dummyOnce sync.Once
	dummy     string
}

// NewPasswords returns a hasher with the given cost parameters.
func NewPasswords(params argon2id.Params) *Passwords {
	return &Passwords{params: params}
}

// ValidatePassword checks a new password against the length policy.
func ValidatePassword(password string) error {
	if utf8.RuneCountInString(password) < MinPasswordLength {
		return fmt.Errorf("password must be at least %d characters", MinPasswordLength)
	}
	if len(password) > MaxPasswordBytes {
		return fmt.Errorf("password must be at most %d bytes", MaxPasswordBytes)
	}
	return nil
}

// Hash returns the encoded argon2id hash of password.
func (p *Passwords) Hash(password string) (string, error) {
	params := p.params
	h, err := argon2id.CreateHash(password, &params)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return h, nil
}

// Check reports whether password matches the encoded hash.
func (p *Passwords) Check(password, hash string) (bool, error) {
	if len(password) > MaxPasswordBytes {
		return false, nil
	}
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	if err != nil {
		return false, fmt.Errorf("check password: %w", err)
	}
	return ok, nil
}

// CheckNothing spends the time of one Check, so that a sign-in for an unknown
// email takes as long as one with a wrong password.
func (p *Passwords) CheckNothing(password string) {
	p.dummyOnce.Do(func() {
		var err error
		if p.dummy, err = p.Hash("consentry-timing-equaliser"); err != nil {
			p.dummy = ""
		}
	})
	if p.dummy != "" {
		_, _ = p.Check(password, p.dummy)
	}
}
