package models

import (
	"context"
	"fmt"
)

// EnsureSigningKeys returns every stored signing key, newest first, storing
// the key generate makes when there is none. Instances that start together
// on an empty database all end up with one and the same first key: the
// check and the insert run under a lock (a table lock on PostgreSQL, the
// write lock on SQLite). Without it each would store a key of its own, sign
// with it and publish only it, and ID tokens from one instance would not
// verify against the JWKS served by another.
func (s *Store) EnsureSigningKeys(ctx context.Context, generate func() (SigningKey, error)) ([]SigningKey, error) {
	var keys []SigningKey
	err := s.InTx(ctx, func(tx *Store) error {
		if tx.postgres() {
			// Blocks other writers of the table (and itself), not readers.
			if err := tx.conn(ctx).Exec("LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE").Error; err != nil {
				return fmt.Errorf("lock signing keys: %w", translate(err))
			}
		}
		var err error
		if keys, err = tx.SigningKeys(ctx); err != nil || len(keys) > 0 {
			return err
		}
		k, err := generate()
		if err != nil {
			return err
		}
		if err := tx.CreateSigningKey(ctx, &k); err != nil {
			return err
		}
		keys = []SigningKey{k}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return keys, nil
}
