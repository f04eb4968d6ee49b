package models

import (
	"context"
	"fmt"
	"time"
)

// SigningKey is a private key for signing ID tokens (PKCS #8 DER). Keys are
// never deleted while tokens signed with them may be checked; RetiredAt
// stops a key from signing while it stays in the JWKS.
type SigningKey struct {
	ID         string `gorm:"primaryKey;size:64"`
	Algorithm  string `gorm:"size:16;not null"`
	PrivateKey []byte `gorm:"not null"`
	CreatedAt  time.Time
	RetiredAt  *time.Time
}

// SigningKeys lists every stored key, newest first.
func (s *Store) SigningKeys(ctx context.Context) ([]SigningKey, error) {
	var keys []SigningKey
	if err := s.conn(ctx).Order("created_at DESC, id").Find(&keys).Error; err != nil {
		return nil, fmt.Errorf("list signing keys: %w", translate(err))
	}
	return keys, nil
}

// CreateSigningKey stores a new key.
func (s *Store) CreateSigningKey(ctx context.Context, k *SigningKey) error {
	if err := translate(s.conn(ctx).Create(k).Error); err != nil {
		return fmt.Errorf("store signing key: %w", err)
	}
	return nil
}
