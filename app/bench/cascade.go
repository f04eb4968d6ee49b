package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"
)

const (
	// cascadeWorkspaces is how many workspaces the cascade's grants span.
	cascadeWorkspaces = 50
	// Sizes up to smallCascadeMax tokens are timed smallCascadeRepeats
	// times, each on its own app's grant; larger ones once.
	smallCascadeMax     = 10_000
	smallCascadeRepeats = 5
	// warmUpCascadeTokens is the size of the grant cascaded once, untimed,
	// so that what a running server has done before is not measured.
	warmUpCascadeTokens = 100
	// How many tokens of each kind are checked before and after: those
	// that reach only the removed workspace (must go inactive), those that
	// reach it and others (must lose it), and those that never reached it
	// (must not change).
	sampleOnlyRemoved = 300
	sampleNarrowed    = 200
	sampleUntouched   = 100
	verifyConcurrency = 16
)

// cascadeReach is the workspaces (indexes) token i was issued for: 1, 2 or
// 3 consecutive ones from i mod 50, so every workspace is reached alike and
// 1 token in 150 reaches workspace 0 alone. It is the pattern of the
// cascade benchmark in app/grants, so the figures compare.
func cascadeReach(i int) []int {
	start, width := i%cascadeWorkspaces, 1+(i/cascadeWorkspaces)%3
	reach := make([]int, width)
	for k := range reach {
		reach[k] = (start + k) % cascadeWorkspaces
	}
	return reach
}

// cascadeWorld is the grants the cascade workload times. Each timed grant
// belongs to a person of its own with 50 workspaces, so that its figure is
// the cost of a grant of that size alone; the one exception is the
// neighbour, a small grant beside the largest on the same workspaces,
// which shows what other grants' tokens in a workspace add.
type cascadeWorld struct {
	rs     creds
	warmUp cascadeGrant
	grants []cascadeGrant
}

// cascadeGrant is one app's grant and the tokens sampled for checking.
type cascadeGrant struct {
	user     benchUser
	size     int
	clientID string
	// label names the grant's rows: its size, and what shares its
	// workspaces.
	label  string
	sample []sampledToken
}

// sampledToken is a token and what it must reach before and after
// workspace 0 is removed (nil: inactive).
type sampledToken struct {
	plain         string
	before, after []string
}

func seedCascade(ctx context.Context, s *seeder, sizes []int) (*cascadeWorld, error) {
	w := &cascadeWorld{}
	var err error
	if w.rs, err = s.app(ctx, "cascade-rs", []string{"workspace:read"}, true); err != nil {
		return nil, err
	}
	if w.warmUp, err = s.cascadeWorld(ctx, "cascade-warm-up", warmUpCascadeTokens); err != nil {
		return nil, err
	}
	smallest := slices.Min(sizes)
	for _, n := range sizes {
		repeats := 1
		if n <= smallCascadeMax {
			repeats = smallCascadeRepeats
		}
		for r := range repeats {
			g, err := s.cascadeWorld(ctx, fmt.Sprintf("cascade-%d-%d", n, r), n)
			if err != nil {
				return nil, err
			}
			if n > smallest && r == 0 {
				// Timed first, while the large grant still holds its
				// tokens in the same workspaces.
				nb, err := s.cascadeGrant(ctx, g.user, fmt.Sprintf("cascade-%d-beside-%d", smallest, n), smallest)
				if err != nil {
					return nil, err
				}
				nb.label = sizeLabel(smallest) + " beside " + sizeLabel(n)
				w.grants = append(w.grants, nb)
			}
			w.grants = append(w.grants, g)
		}
	}
	return w, nil
}

// cascadeWorld creates a person with 50 workspaces and an app's grant of n
// tokens over them.
func (s *seeder) cascadeWorld(ctx context.Context, name string, n int) (cascadeGrant, error) {
	u, err := s.user(ctx, name, cascadeWorkspaces)
	if err != nil {
		return cascadeGrant{}, err
	}
	return s.cascadeGrant(ctx, u, name, n)
}

// cascadeGrant registers an app, grants it workspace:read in all the
// user's workspaces with n tokens spread by cascadeReach, and samples them.
func (s *seeder) cascadeGrant(ctx context.Context, u benchUser, name string, n int) (cascadeGrant, error) {
	app, err := s.app(ctx, name, []string{"workspace:read"}, false)
	if err != nil {
		return cascadeGrant{}, err
	}
	plains, err := s.grantTokens(ctx, u, app.id, "workspace:read", n, cascadeReach)
	if err != nil {
		return cascadeGrant{}, err
	}
	var onlyRemoved, narrowed, untouched []int
	for i := range n {
		reach := cascadeReach(i)
		switch {
		case slices.Contains(reach, 0) && len(reach) == 1:
			onlyRemoved = append(onlyRemoved, i)
		case slices.Contains(reach, 0):
			narrowed = append(narrowed, i)
		default:
			untouched = append(untouched, i)
		}
	}
	g := cascadeGrant{user: u, size: n, clientID: app.id, label: sizeLabel(n)}
	for _, i := range slices.Concat(spread(onlyRemoved, sampleOnlyRemoved), spread(narrowed, sampleNarrowed), spread(untouched, sampleUntouched)) {
		var before, after []string
		for _, k := range cascadeReach(i) {
			before = append(before, u.workspaces[k])
			if k != 0 {
				after = append(after, u.workspaces[k])
			}
		}
		slices.Sort(before)
		slices.Sort(after)
		g.sample = append(g.sample, sampledToken{plain: plains[i], before: before, after: after})
	}
	return g, nil
}

// spread picks at most k of items, evenly spaced.
func spread(items []int, k int) []int {
	if len(items) <= k {
		return items
	}
	out := make([]int, k)
	for j := range out {
		out[j] = items[j*len(items)/k]
	}
	return out
}

// cascadeRows accumulates the timings of one operation at one size.
type cascadeRows struct {
	order []string
	rows  map[string]*cascadeRow
}

type cascadeRow struct {
	Row
	latencies []time.Duration
	checked   int
	wrong     int
}

func (c *cascadeRows) row(op string, g cascadeGrant) *cascadeRow {
	key := fmt.Sprintf("cascade %s %s", op, g.label)
	if r, ok := c.rows[key]; ok {
		return r
	}
	r := &cascadeRow{Row: Row{
		Workload: Cascade, Name: key, Concurrency: 1, Tokens: g.size, OneShot: true,
		ServerCPU: -1, DriverCPU: -1, OtherCPU: -1,
	}}
	c.rows[key] = r
	c.order = append(c.order, key)
	return r
}

// sizeLabel writes 1000 as 1k and 100000 as 100k.
func sizeLabel(n int) string {
	if n >= 1000 && n%1000 == 0 {
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

// runCascade signs each grant's person in and, for each grant, removes
// workspace 0 and then revokes the app through the connected-apps pages,
// timing each POST, and checks the sampled tokens by introspection and by
// the API before, between and after. The checks fill the server's bearer
// cache first, so they also show that a cached answer does not outlive a
// cascade.
func runCascade(ctx context.Context, t *target, w *cascadeWorld) ([]Row, error) {
	browsers := map[string]*conn{}
	browser := func(u benchUser) (*conn, error) {
		if b, ok := browsers[u.id]; ok {
			return b, nil
		}
		b := newBrowser(t.hc, t.base)
		if err := signIn(b, u); err != nil {
			return nil, fmt.Errorf("cascade: %w", err)
		}
		browsers[u.id] = b
		return b, nil
	}
	v := &verifier{rs: w.rs, conns: make([]*conn, verifyConcurrency)}
	for i := range v.conns {
		v.conns[i] = newConn(t.hc, t.base)
	}
	b, err := browser(w.warmUp.user)
	if err != nil {
		return nil, err
	}
	if _, err := removeWorkspace(b, w.warmUp.clientID, w.warmUp.user.workspaces[0]); err != nil {
		return nil, fmt.Errorf("cascade warm-up: %w", err)
	}
	if _, err := revokeApp(b, w.warmUp.clientID); err != nil {
		return nil, fmt.Errorf("cascade warm-up: %w", err)
	}

	rows := &cascadeRows{rows: map[string]*cascadeRow{}}
	for _, g := range w.grants {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		b, err := browser(g.user)
		if err != nil {
			return nil, err
		}
		gauges := watch(t.pid)
		remove, revoke := rows.row("remove-workspace", g), rows.row("revoke-app", g)
		v.check(remove, g.sample, func(s sampledToken) []string { return s.before })
		remove.time(removeWorkspace(b, g.clientID, g.user.workspaces[0]))
		v.check(remove, g.sample, func(s sampledToken) []string { return s.after })
		revoke.time(revokeApp(b, g.clientID))
		v.check(revoke, g.sample, func(sampledToken) []string { return nil })
		// Only the memory and the machine's other load mean something here:
		// the checks, not the cascade, take most of the time watched.
		use := gauges.stop()
		for _, r := range []*cascadeRow{remove, revoke} {
			r.RSS, r.OtherCPU = max(r.RSS, use.peakRSS), max(r.OtherCPU, use.otherCPU)
		}
	}
	var out []Row
	for _, key := range rows.order {
		out = append(out, rows.rows[key].finish())
	}
	return out, nil
}

func (r *cascadeRow) time(d time.Duration, err error) {
	if err != nil {
		r.fail(err)
		return
	}
	r.latencies = append(r.latencies, d)
	r.Elapsed += d
}

func (r *cascadeRow) fail(err error) {
	r.Errors++
	if len(r.ErrorSamples) < maxErrorSamples && !slices.Contains(r.ErrorSamples, err.Error()) {
		r.ErrorSamples = append(r.ErrorSamples, err.Error())
	}
}

func (r *cascadeRow) finish() Row {
	out := r.Row
	out.Ops = len(r.latencies)
	out.Latency = summarize(r.latencies)
	if out.Elapsed > 0 {
		out.OpsPerSec = float64(out.Ops) / out.Elapsed.Seconds()
	}
	out.Note = fmt.Sprintf("%d token checks, %d wrong", r.checked, r.wrong)
	return out
}

// removeWorkspace takes a workspace out of the app's grant on the app's
// page, as the person would, and times the POST.
func removeWorkspace(b *conn, clientID, workspaceID string) (time.Duration, error) {
	page := "/apps/" + url.PathEscape(clientID)
	return postFromPage(b, page, page+"/workspaces/"+url.PathEscape(workspaceID)+"/remove", page)
}

// revokeApp revokes the app from its confirmation page and times the POST.
func revokeApp(b *conn, clientID string) (time.Duration, error) {
	page := "/apps/" + url.PathEscape(clientID)
	return postFromPage(b, page+"/revoke", page+"/revoke", "/apps")
}

// postFromPage opens page for its CSRF token (untimed), then times the
// POST to action, which must redirect to wantLocation.
func postFromPage(b *conn, page, action, wantLocation string) (time.Duration, error) {
	status, err := b.get(page, "")
	if err != nil {
		return 0, err
	}
	if status != http.StatusOK {
		return 0, b.unexpected("GET "+page, status)
	}
	csrf, ok := formField(b.res.Body(), "_csrf")
	if !ok {
		return 0, fmt.Errorf("GET %s: no _csrf field", page)
	}
	form := url.Values{"_csrf": {csrf}}
	start := time.Now()
	status, err = b.post(action, "", form)
	took := time.Since(start)
	if err != nil {
		return 0, err
	}
	if status != http.StatusSeeOther || b.location() != wantLocation {
		return 0, b.unexpected("POST "+action, status)
	}
	return took, nil
}
