package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Clients lists every registered client, enabled or not, by name. The
// registry is the platform admins' to read: there is no owner to scope by.
func (s *Store) Clients(ctx context.Context) ([]Client, error) {
	var out []Client
	if err := s.conn(ctx).Order("name, id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list clients: %w", translate(err))
	}
	return out, nil
}

// UpdateClient saves what an admin may edit about a client: its name,
// links, redirect URIs, allowed scopes and resource-server flag. The id,
// type, secret and disabled state are left alone.
func (s *Store) UpdateClient(ctx context.Context, c Client, at time.Time) error {
	if err := s.clientChanged(ctx); err != nil {
		return err
	}
	c.UpdatedAt = at.UTC()
	res := s.conn(ctx).Model(&Client{ID: c.ID}).
		Select("Name", "LogoURL", "HomepageURL", "RedirectURIs", "AllowedScopes", "ResourceServer", "UpdatedAt").
		Updates(&c)
	if err := translate(res.Error); err != nil {
		return fmt.Errorf("update client %q: %w", c.ID, err)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("update client %q: %w", c.ID, ErrNotFound)
	}
	return nil
}

// SetClientSecretHash replaces a client's secret hash: from this statement
// on, only the new secret authenticates it.
func (s *Store) SetClientSecretHash(ctx context.Context, id string, hash []byte, at time.Time) error {
	if err := s.clientChanged(ctx); err != nil {
		return err
	}
	res := s.conn(ctx).Model(&Client{}).Where("id = ?", id).
		Updates(map[string]any{"secret_hash": hash, "updated_at": at.UTC()})
	if err := translate(res.Error); err != nil {
		return fmt.Errorf("set secret of client %q: %w", id, err)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("set secret of client %q: %w", id, ErrNotFound)
	}
	return nil
}

// EnableClient switches a disabled client back on. It reports whether the
// client was disabled; an unknown client is ErrNotFound. Tokens revoked when
// it was disabled stay revoked.
func (s *Store) EnableClient(ctx context.Context, id string) (bool, error) {
	if err := s.clientChanged(ctx); err != nil {
		return false, err
	}
	res := s.conn(ctx).Model(&Client{}).Where("id = ? AND disabled_at IS NOT NULL", id).Update("disabled_at", nil)
	if err := translate(res.Error); err != nil {
		return false, fmt.Errorf("enable client %q: %w", id, err)
	}
	if res.RowsAffected > 0 {
		return true, nil
	}
	if _, err := s.ClientByID(ctx, id); err != nil {
		return false, fmt.Errorf("enable client: %w", err)
	}
	return false, nil
}

// ScopeNarrowing says what taking scopes away from a client changed.
type ScopeNarrowing struct {
	// GrantsNarrowed counts the live grants that held a removed scope;
	// GrantsRevoked those of them left with no scope at all.
	GrantsNarrowed int64
	GrantsRevoked  int64
	TokensRevoked  int64
}

// NarrowClientScopes applies the removal of scopes from a client's allowed
// scopes to what it already holds: every live grant and token of the client
// loses them (one statement per removed scope, whatever the number of rows),
// grants and tokens left without any scope are revoked, and its unused
// codes, which were issued under the old scopes, are dropped.
func (s *Store) NarrowClientScopes(ctx context.Context, clientID string, removed []string, at time.Time) (ScopeNarrowing, error) {
	var out ScopeNarrowing
	if len(removed) == 0 {
		return out, nil
	}
	if err := s.tokensChanged(ctx); err != nil {
		return out, err
	}
	db := s.conn(ctx)
	// Padding with spaces makes " scope " match whole names only; a row
	// holds the scope when taking it out changes the row.
	const withoutScope = "TRIM(REPLACE(' ' || scopes || ' ', ?, ' '))"
	holding := "client_id = ? AND revoked_at IS NULL AND scopes <> " + withoutScope
	anyRemoved := db.Where("1 = 0")
	for _, scope := range removed {
		anyRemoved = anyRemoved.Or("scopes <> "+withoutScope, " "+scope+" ")
	}
	err := db.Model(&Grant{}).Where("client_id = ? AND revoked_at IS NULL", clientID).Where(anyRemoved).Count(&out.GrantsNarrowed).Error
	if err != nil {
		return out, fmt.Errorf("count grants of client %q holding removed scopes: %w", clientID, translate(err))
	}
	for _, scope := range removed {
		padded := " " + scope + " "
		err := db.Model(&Grant{}).Where(holding, clientID, padded).Update("scopes", gorm.Expr(withoutScope, padded)).Error
		if err != nil {
			return out, fmt.Errorf("remove scope %q from grants of client %q: %w", scope, clientID, translate(err))
		}
		err = db.Model(&Token{}).Where(tokensOfClient+" AND scopes <> "+withoutScope, clientID, padded).
			Update("scopes", gorm.Expr(withoutScope, padded)).Error
		if err != nil {
			return out, fmt.Errorf("remove scope %q from tokens of client %q: %w", scope, clientID, translate(err))
		}
	}
	if err := db.Where("client_id = ? AND used_at IS NULL", clientID).Delete(&AuthCode{}).Error; err != nil {
		return out, fmt.Errorf("drop unused codes of client %q: %w", clientID, translate(err))
	}
	res := db.Model(&Token{}).Where(tokensOfClient+" AND scopes = ''", clientID).Update("revoked_at", at.UTC())
	if err := translate(res.Error); err != nil {
		return out, fmt.Errorf("revoke tokens of client %q left without a scope: %w", clientID, err)
	}
	out.TokensRevoked = res.RowsAffected
	empty := db.Model(&Grant{}).Select("id").Where("client_id = ? AND revoked_at IS NULL AND scopes = ''", clientID)
	if err := db.Where("grant_id IN (?)", empty).Delete(&GrantWorkspace{}).Error; err != nil {
		return out, fmt.Errorf("clear workspaces of grants left without a scope: %w", translate(err))
	}
	res = db.Model(&Grant{}).Where("client_id = ? AND revoked_at IS NULL AND scopes = ''", clientID).Update("revoked_at", at.UTC())
	if err := translate(res.Error); err != nil {
		return out, fmt.Errorf("revoke grants of client %q left without a scope: %w", clientID, err)
	}
	out.GrantsRevoked = res.RowsAffected
	return out, nil
}
