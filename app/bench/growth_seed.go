package bench

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/consentry/consentry/app/accounts"
	"github.com/consentry/consentry/app/oauth"
	"github.com/consentry/consentry/app/secret"
	"github.com/consentry/consentry/models"
)

const (
	// growthRowsPerGrant is how many codes (and tokens, and audit events)
	// the growth data holds per grant: 100,000 of each come with 10,000
	// grants, each of a person of its own.
	growthRowsPerGrant = 10
	// growthApps are the apps besides the flow's that the crowd grants:
	// one grant, code and token in growthApps+1 is the flow's app's.
	growthApps = 4
	// growthWorkspaces are the workspaces the crowd shares, as members.
	growthWorkspaces = 20
	// growthHistory is how far back the stored codes and tokens go, one
	// minute apart: a month of traffic, mostly expired.
	growthHistory = 30 * 24 * time.Hour
)

// growthGrant is one stored grant: its person, app and workspaces.
type growthGrant struct {
	id, userID, clientID string
	workspaces           []string
}

// growthData is what a growth database stores beside the flow's own rows.
type growthData struct {
	grants []growthGrant
	// users, clients and workspaces are those the audit events name.
	users, clients, workspaces []string
	codes                      []models.AuthCode
	tokens                     []models.Token
	reach                      []models.TokenWorkspace
}

// seedGrowthData stores n authorization codes, n tokens and n audit events
// and a tenth as many grants (at least one), beside the flow's app and
// people in w. The flow's people come first among the grants' owners and
// its app holds one grant in growthApps+1, so the rows the flow's queries
// look up sit among the others; the rest of the grants belong to a crowd
// of people who share growthWorkspaces workspaces as members.
func (s *seeder) seedGrowthData(ctx context.Context, w *mainWorld, n int) error {
	if n <= 0 {
		return nil
	}
	g := &growthData{clients: []string{w.app.id}}
	for i := range growthApps {
		app, err := s.app(ctx, fmt.Sprintf("growth-app-%d", i), benchAppScopes, false)
		if err != nil {
			return err
		}
		g.clients = append(g.clients, app.id)
	}
	owner, err := s.user(ctx, "growth-owner", growthWorkspaces)
	if err != nil {
		return err
	}
	g.users = append(g.users, owner.id)
	g.workspaces = slices.Clone(owner.workspaces)
	if err := s.seedGrowthGrants(ctx, g, w.users[Flow], growthGrants(n)); err != nil {
		return err
	}
	s.growthCodesAndTokens(g, n)
	if err := s.store.CreateCodeBatch(ctx, g.codes); err != nil {
		return fmt.Errorf("seed %d codes: %w", n, err)
	}
	if err := s.store.CreateTokenBatch(ctx, g.tokens, g.reach); err != nil {
		return fmt.Errorf("seed %d tokens: %w", n, err)
	}
	return s.store.SeedAuditEvents(ctx, n, g.workspaces, models.AuditSeed{Users: g.users, Clients: g.clients, Seed: auditSeedRandom})
}

// growthGrants is how many grants a growth database of size n > 0 holds.
func growthGrants(n int) int { return max(1, n/growthRowsPerGrant) }

// seedGrowthGrants stores k grants in one transaction: first those of the
// flow's people to the flow's app (as many as fit), then one per person of
// a crowd created for them, each a member of one shared workspace and
// granting one of the apps in turn.
func (s *seeder) seedGrowthGrants(ctx context.Context, g *growthData, flowUsers []benchUser, k int) error {
	scopes := strings.Join(flowScopes, " ")
	hash, err := accounts.NewPasswords(benchPasswords).Hash("bench-password-" + s.tag)
	if err != nil {
		return fmt.Errorf("seed growth crowd: %w", err)
	}
	shared := slices.Clone(g.workspaces)
	for _, u := range flowUsers {
		g.workspaces = append(g.workspaces, u.workspaces...)
	}
	return s.store.InTx(ctx, func(tx *models.Store) error {
		for i := range k {
			gr := growthGrant{id: uuid.NewString(), clientID: g.clients[0]}
			if i < len(flowUsers) {
				gr.userID, gr.workspaces = flowUsers[i].id, flowUsers[i].workspaces
			} else {
				u := models.User{ID: uuid.NewString(), Email: fmt.Sprintf("growth-%d-%s@bench.example", i, s.tag),
					Name: fmt.Sprintf("growth %d", i), PasswordHash: hash}
				if err := tx.CreateUser(ctx, &u); err != nil {
					return fmt.Errorf("seed growth crowd: %w", err)
				}
				ws := shared[i%len(shared)]
				if err := tx.PutMembership(ctx, ws, u.ID, models.RoleMember); err != nil {
					return fmt.Errorf("seed growth crowd: %w", err)
				}
				gr.userID, gr.clientID, gr.workspaces = u.ID, g.clients[i%len(g.clients)], []string{ws}
			}
			id, err := tx.PutGrant(ctx, gr.id, gr.userID, gr.clientID, scopes, gr.workspaces, s.now)
			if err != nil {
				return fmt.Errorf("seed growth grant: %w", err)
			}
			gr.id = id
			g.grants = append(g.grants, gr)
			g.users = append(g.users, gr.userID)
		}
		return nil
	})
}

// growthCodesAndTokens makes n codes and n tokens of the grants, in turn.
// Token i is the access (even i) or refresh token (odd i) issued from code
// i/2, so the first half of the codes are used; of the rest a third are
// used, a third expired unused and a third live. Codes and tokens are one
// minute apart over growthHistory: nearly every access token has expired,
// the refresh tokens mostly live; one family in eight is revoked and
// every fourth refresh token rotated.
func (s *seeder) growthCodesAndTokens(g *growthData, n int) {
	scopes := strings.Join(flowScopes, " ")
	needsWorkspace := s.needsWorkspace(scopes)
	spread := int(growthHistory / time.Minute)
	g.codes = make([]models.AuthCode, n)
	for k := range g.codes {
		gr := g.grants[k%len(g.grants)]
		created := s.now.Add(-time.Duration(1+k%spread) * time.Minute)
		live := 2*k >= n && k%3 == 1
		if live {
			created = s.now
		}
		c := models.AuthCode{
			ID: timeOrderedID(), Hash: growthKey(s.tag, "code", k, created), ClientID: gr.clientID, UserID: gr.userID, GrantID: gr.id,
			RedirectURI: benchRedirectURI, Scopes: scopes, WorkspaceIDs: gr.workspaces,
			CodeChallenge: base64.RawURLEncoding.EncodeToString(growthHash(s.tag, "verifier", k)),
			AuthTime:      created.Add(-time.Minute), CreatedAt: created, ExpiresAt: created.Add(oauth.CodeTTL),
		}
		if used := created.Add(time.Second); 2*k < n || k%3 == 2 {
			c.UsedAt = &used
		}
		g.codes[k] = c
	}
	g.tokens = make([]models.Token, n)
	for i := range g.tokens {
		c := g.codes[i/2]
		created := c.CreatedAt.Add(time.Second)
		t := models.Token{
			ID: timeOrderedID(), Hash: growthKey(s.tag, "token", i, created), Kind: models.AccessToken, GrantID: c.GrantID,
			ClientID: c.ClientID, UserID: c.UserID, FamilyID: c.ID, Scopes: scopes, NeedsWorkspace: needsWorkspace,
			AuthTime: c.AuthTime, CreatedAt: created, ExpiresAt: created.Add(oauth.AccessTokenTTL),
		}
		later := created.Add(30 * time.Second)
		if i%2 == 1 {
			t.Kind, t.ExpiresAt = models.RefreshToken, created.Add(oauth.RefreshTokenTTL)
			if (i/2)%4 == 1 {
				t.RotatedAt = &later
			}
		}
		if (i/2)%8 == 3 {
			t.RevokedAt = &later
		}
		g.tokens[i] = t
		if needsWorkspace {
			for _, w := range c.WorkspaceIDs {
				g.reach = append(g.reach, models.TokenWorkspace{TokenID: t.ID, WorkspaceID: w})
			}
		}
	}
}

// growthHash is the SHA-256 of a name, as a stored secret's hash would be:
// unique to the run, the kind of row and its number.
func growthHash(tag, kind string, i int) []byte {
	sum := sha256.Sum256(fmt.Appendf(nil, "growth-%s-%s-%d", tag, kind, i))
	return sum[:]
}

// growthKey is a code's or token's stored key as the server makes it
// (secret.Key), with a growthHash for its hash.
func growthKey(tag, kind string, i int, made time.Time) []byte {
	return secret.KeyAt(made, growthHash(tag, kind, i))
}
