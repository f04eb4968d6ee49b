package models

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm/clause"
)

// Setting is a named value the server generates once and keeps, such as the
// session key, so that restarts and several instances on one database agree.
type Setting struct {
	Key   string `gorm:"primaryKey;size:64"`
	Value []byte `gorm:"not null"`
}

// EnsureSetting returns the stored value of key, storing the result of
// generate first when there is none. When two processes race, both end up
// with the value that was stored first.
func (s *Store) EnsureSetting(ctx context.Context, key string, generate func() ([]byte, error)) ([]byte, error) {
	var existing Setting
	err := translate(s.conn(ctx).Where("key = ?", key).Take(&existing).Error)
	if err == nil {
		return existing.Value, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("read setting %q: %w", key, err)
	}
	value, err := generate()
	if err != nil {
		return nil, fmt.Errorf("generate setting %q: %w", key, err)
	}
	if err := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&Setting{Key: key, Value: value}).Error; err != nil {
		return nil, fmt.Errorf("store setting %q: %w", key, err)
	}
	if err := s.conn(ctx).Where("key = ?", key).Take(&existing).Error; err != nil {
		return nil, fmt.Errorf("read setting %q: %w", key, translate(err))
	}
	return existing.Value, nil
}
