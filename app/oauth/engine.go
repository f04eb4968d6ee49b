package oauth

import (
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/consentry/consentry/models"
)

// Lifetimes of what the engine issues.
const (
	CodeTTL         = 60 * time.Second
	AccessTokenTTL  = 15 * time.Minute
	RefreshTokenTTL = 30 * 24 * time.Hour
	// ConsentTTL is how long a consent screen can be answered.
	ConsentTTL = 10 * time.Minute
)

// Engine runs the OAuth 2.1 flows. It takes plain values and returns structs
// and *Error values; the HTTP layer only translates.
type Engine struct {
	issuer  string
	store   *models.Store
	catalog *models.Catalog
	keys    *KeySet
	now     func() time.Time
	random  io.Reader
	usage   *usageTracker
	bearers *bearerCache
}

// Options are the engine's injectable clock and randomness.
type Options struct {
	Now    func() time.Time
	Random io.Reader
}

// New returns an engine for issuer (which must equal the public origin
// exactly: clients compare it character for character).
func New(issuer string, store *models.Store, catalog *models.Catalog, keys *KeySet, opts Options) *Engine {
	return &Engine{issuer: issuer, store: store, catalog: catalog, keys: keys, now: opts.Now, random: opts.Random, usage: newUsageTracker(), bearers: newBearerCache()}
}

// Issuer is the issuer identifier.
func (e *Engine) Issuer() string { return e.issuer }

// Catalog is the scope catalog the engine validates against.
func (e *Engine) Catalog() *models.Catalog { return e.catalog }

// newID is a time-ordered UUID (version 7): rows inserted one after another
// land on the same page of the id index, so an insert dirties fewer pages
// than with random ids.
func newID() string { return uuid.Must(uuid.NewV7()).String() }
