package models

import "time"

// baselineModels are the tables of schema step 1, parents before children.
// The list is frozen: a table added later is created by a step of its own
// (migrate.go), and one no longer used stays here, so that a database this
// build creates is one an earlier build can still run on (a rollback, or a
// rolling upgrade with both builds serving) — as far back as step 6, which
// builds before it cannot run with (migrate.go).
func baselineModels() []any {
	return []any{
		&Setting{}, &User{}, &Workspace{}, &Membership{}, &Client{},
		&Grant{}, &GrantWorkspace{}, &PendingAuthorization{}, &AuthCode{},
		&Token{}, &TokenWorkspace{}, &SigningKey{},
		&AuditEvent{}, &AuditEventWorkspace{}, &AuditChainHead{}, &TokenEpoch{}, &Template{}, &APIKey{},
	}
}

// PendingAuthorization is the table in which builds before schema step 5
// kept each consent request until it was answered. This build neither
// reads nor writes it (consent requests travel signed in the form: see
// app/grants); the baseline still creates it, for those builds.
type PendingAuthorization struct {
	ID            string `gorm:"primaryKey;size:64"`
	UserID        string `gorm:"size:36;not null;index"`
	User          User   `gorm:"constraint:OnDelete:CASCADE"`
	ClientID      string `gorm:"size:64;not null"`
	Client        Client `gorm:"constraint:OnDelete:CASCADE"`
	RedirectURI   string `gorm:"size:2048;not null"`
	Scopes        string `gorm:"size:4096;not null"`
	State         string `gorm:"size:1024;not null;default:''"`
	Nonce         string `gorm:"size:1024;not null;default:''"`
	CodeChallenge string `gorm:"size:128;not null"`
	Prompt        string `gorm:"size:64;not null;default:''"`
	AuthTime      time.Time
	CreatedAt     time.Time
	ExpiresAt     time.Time `gorm:"not null;index"`
}
