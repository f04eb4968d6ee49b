package models

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// User is a person who signs in. Email is stored folded to lower case, which
// makes it unique case-insensitively on every database.
type User struct {
	ID            string `gorm:"primaryKey;size:36"`
	Email         string `gorm:"size:320;not null;uniqueIndex"`
	Name          string `gorm:"size:200;not null"`
	AvatarURL     string `gorm:"size:2048;not null;default:''"`
	PasswordHash  string `gorm:"size:255;not null"`
	PlatformAdmin bool   `gorm:"not null;default:false"`
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// NormalizeEmail folds an email address the way it is stored and looked up.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// CreateUser inserts u. A second user with the same email is ErrConflict.
func (s *Store) CreateUser(ctx context.Context, u *User) error {
	u.Email = NormalizeEmail(u.Email)
	if err := translate(s.conn(ctx).Create(u).Error); err != nil {
		return fmt.Errorf("create user %q: %w", u.Email, err)
	}
	return nil
}

// UserByEmail finds a user by email, case-insensitively.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	var u User
	if err := translate(s.conn(ctx).Where("email = ?", NormalizeEmail(email)).Take(&u).Error); err != nil {
		return User{}, fmt.Errorf("find user %q: %w", NormalizeEmail(email), err)
	}
	return u, nil
}

// UserByID finds a user by id. Every signed-in request reads it, so outside
// a transaction the answer may come from the user cache (record_cache.go):
// whatever changes a stored user must call directoryChanged in its
// transaction, as SetPassword does, or the cache keeps the old user until
// something else moves the directory epoch.
func (s *Store) UserByID(ctx context.Context, id string) (User, error) {
	return cachedRead(s.users, &s.epoch.directory, id, func() (User, error) {
		var u User
		if err := s.queryRowSQL(ctx, userByIDSQL, []any{id}, &u.ID, &u.Email, &u.Name, &u.AvatarURL,
			&u.PasswordHash, &u.PlatformAdmin, &u.CreatedAt, &u.UpdatedAt); err != nil {
			return User{}, fmt.Errorf("find user %q: %w", id, err)
		}
		return u, nil
	})
}

var userByIDSQL = hot(`SELECT id, email, name, avatar_url, password_hash, platform_admin, created_at, updated_at
	FROM users WHERE id = $1`)

// SetPassword replaces a user's password hash, in a transaction that also
// moves the directory epoch, so no cache keeps the old one.
func (s *Store) SetPassword(ctx context.Context, userID, hash string) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.directoryChanged(ctx); err != nil {
			return err
		}
		res := tx.conn(ctx).Model(&User{}).Where("id = ?", userID).Update("password_hash", hash)
		if err := translate(res.Error); err != nil {
			return fmt.Errorf("set password of %q: %w", userID, err)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("set password of %q: %w", userID, ErrNotFound)
		}
		return nil
	})
}
