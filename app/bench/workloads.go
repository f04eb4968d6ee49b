package bench

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/valyala/fasthttp"
)

// Workload names, as --only takes them.
const (
	Baseline   = "baseline"
	Resource   = "resource"
	Introspect = "introspect"
	Flow       = "flow"
	FlowOpenID = "flow-openid"
	Refresh    = "refresh"
	Revoke     = "revoke"
	Cascade    = "cascade"
	// Audit seeds a million audit events and times the audit log's pages
	// and CSV export; it runs only when --only names it.
	Audit = "audit"
	// Growth runs the flow on databases holding more and more stored
	// codes, tokens and audit events; it runs only when --only names it.
	Growth = "growth"
)

// Workloads lists every workload in the order a run takes them: the
// read-only ones first, on the smallest database; then those that write;
// then the audit log's and the growth's, on databases of their own.
func Workloads() []string {
	return []string{Baseline, Resource, Introspect, Flow, FlowOpenID, Refresh, Revoke, Cascade, Audit, Growth}
}

// optIn are the workloads too slow to run unless --only names them.
var optIn = []string{Audit, Growth}

// ownPhase are the workloads that seed a database and start a server of
// their own rather than share the main phase's.
var ownPhase = []string{Cascade, Audit, Growth}

// DefaultWorkloads are those a run without --only takes: every workload
// but the opt-in ones (audit, whose seeding alone takes tens of seconds,
// and growth, which seeds and serves three databases).
func DefaultWorkloads() []string {
	var out []string
	for _, n := range Workloads() {
		if !slices.Contains(optIn, n) {
			out = append(out, n)
		}
	}
	return out
}

// The concurrency of each workload, as the performance issue fixes them so
// that figures compare across runs and with the peer's.
var flowConcurrencies = []int{1, 8}

const (
	baselineConcurrency   = 16
	resourceConcurrency   = 16
	introspectConcurrency = 16
	refreshConcurrency    = 8
	revokeConcurrency     = 8
	// maxFlowWorkers is how many people each flow workload seeds.
	maxFlowWorkers = 8
	// tokenPoolSize is how many live tokens introspect and resource cycle
	// through.
	tokenPoolSize = 256
	// warmUpOps is how many untimed operations each worker does first:
	// connections open, caches fill, the server's pools grow.
	warmUpOps = 20
	// maxRate bounds how many operations one workload may time: duration ×
	// maxRate, far above what a machine does, so a fault cannot run away.
	maxRate = 200_000
	// revokeCeiling is the revocation rate the revoke pool is sized for,
	// twice the target; a faster server uses the pool up and the row says so.
	revokeCeiling = 15_000
)

func maxOps(d time.Duration) int { return max(1000, int(d.Seconds()*maxRate)) }

func revokePoolSize(d time.Duration) int {
	return int(d.Seconds()*revokeCeiling) + warmUpOps*revokeConcurrency
}

// target is the server a phase drives.
type target struct {
	base string
	// pid is the server's process, 0 when unknown (a --url server without
	// --server-pid): no RSS then.
	pid int
	hc  *fasthttp.HostClient
	// pprof is the server's profiler address (host:port) with
	// Options.ProfileDir, else empty.
	pprof string
}

// mainWorld is what every workload but the cascade needs, seeded before the
// server starts.
type mainWorld struct {
	// app is the confidential client the flows, refreshes and revocations
	// use; rs the resource-server client that introspects.
	app, rs creds
	// users are the people of each flow-based workload, one per worker.
	users                                    map[string][]benchUser
	introspectPool, resourcePool, revokePool []string
}

// seedMain seeds the selected workloads' users, clients and token pools.
func seedMain(ctx context.Context, s *seeder, selected map[string]bool, d time.Duration) (*mainWorld, error) {
	w := &mainWorld{users: map[string][]benchUser{}}
	var err error
	if w.app, err = s.app(ctx, "bench-app", benchAppScopes, false); err != nil {
		return nil, err
	}
	if w.rs, err = s.app(ctx, "bench-rs", []string{"workspace:read"}, true); err != nil {
		return nil, err
	}
	for _, name := range []string{Flow, FlowOpenID, Refresh} {
		if selected[name] {
			if w.users[name], err = s.users(ctx, name, maxFlowWorkers); err != nil {
				return nil, err
			}
		}
	}
	sizes := map[string]int{Introspect: tokenPoolSize, Resource: tokenPoolSize, Revoke: revokePoolSize(d)}
	total := 0
	for name, n := range sizes {
		if selected[name] {
			total += n
		}
	}
	if total == 0 {
		return w, nil
	}
	owner, err := s.user(ctx, "pool", 1)
	if err != nil {
		return nil, err
	}
	plains, err := s.grantTokens(ctx, owner, w.app.id, "workspace:read", total, firstWorkspace)
	if err != nil {
		return nil, err
	}
	take := func(name string) []string {
		if !selected[name] {
			return nil
		}
		n := sizes[name]
		out := plains[:n:n]
		plains = plains[n:]
		return out
	}
	w.introspectPool, w.resourcePool, w.revokePool = take(Introspect), take(Resource), take(Revoke)
	return w, nil
}

// baselineOps ask for GET /healthz, a handler that does nothing: the
// ceiling of the HTTP stack on this machine, through the same driver.
func baselineOps(t *target, conc int) []op {
	ops := make([]op, conc)
	for i := range ops {
		c := newConn(t.hc, t.base)
		ops[i] = func() error {
			status, err := c.get("/healthz", "")
			if err != nil {
				return err
			}
			if status != http.StatusOK {
				return c.unexpected("healthz", status)
			}
			return nil
		}
	}
	return ops
}

// resourceOps call GET /api/v1/workspaces with bearer tokens from the pool,
// each worker starting at its own place in it.
func (w *mainWorld) resourceOps(t *target, conc int) []op {
	headers := make([]string, len(w.resourcePool))
	for i, tok := range w.resourcePool {
		headers[i] = "Bearer " + tok
	}
	ops := make([]op, conc)
	for i := range ops {
		c := newConn(t.hc, t.base)
		next := i
		ops[i] = func() error {
			auth := headers[next%len(headers)]
			next += conc
			status, err := c.get("/api/v1/workspaces", auth)
			if err != nil {
				return err
			}
			if status != http.StatusOK {
				return c.unexpected("GET /api/v1/workspaces", status)
			}
			return nil
		}
	}
	return ops
}

// introspectOps introspect pool tokens as the resource-server client and
// require each to be active.
func (w *mainWorld) introspectOps(t *target, conc int) []op {
	bodies := tokenBodies(w.introspectPool)
	ops := make([]op, conc)
	for i := range ops {
		c := newConn(t.hc, t.base)
		next := i
		ops[i] = func() error {
			body := bodies[next%len(bodies)]
			next += conc
			status, err := c.do(fasthttp.MethodPost, "/oauth/introspect", w.rs.auth, body)
			if err != nil {
				return err
			}
			if status != http.StatusOK || !bytes.Contains(c.res.Body(), []byte(`"active":true`)) {
				return c.unexpected("introspect (want active)", status)
			}
			return nil
		}
	}
	return ops
}

// revokeOps revoke pool tokens (RFC 7009) as the app they were issued to;
// each worker owns every conc-th token, and stops when it has none left.
func (w *mainWorld) revokeOps(t *target, conc int) []op {
	bodies := tokenBodies(w.revokePool)
	ops := make([]op, conc)
	for i := range ops {
		c := newConn(t.hc, t.base)
		next := i
		ops[i] = func() error {
			if next >= len(bodies) {
				return errPoolUsedUp
			}
			body := bodies[next]
			next += conc
			status, err := c.do(fasthttp.MethodPost, "/oauth/revoke", w.app.auth, body)
			if err != nil {
				return err
			}
			if status != http.StatusOK {
				return c.unexpected("revoke", status)
			}
			return nil
		}
	}
	return ops
}

// tokenBodies are the form bodies token=… of the tokens, built once.
func tokenBodies(tokens []string) [][]byte {
	out := make([][]byte, len(tokens))
	for i, tok := range tokens {
		out[i] = []byte("token=" + url.QueryEscape(tok))
	}
	return out
}

// flowOps sign in one person per worker (untimed) and run whole flows.
func (w *mainWorld) flowOps(t *target, workload string, conc int) ([]op, error) {
	scopes := flowScopes
	if workload == FlowOpenID {
		scopes = flowOpenIDScopes
	}
	ops := make([]op, conc)
	for i := range ops {
		u := w.users[workload][i]
		b := newBrowser(t.hc, t.base)
		if err := signIn(b, u); err != nil {
			return nil, fmt.Errorf("%s: %w", workload, err)
		}
		f := newFlower(b, w.app, u, scopes)
		ops[i] = func() error {
			_, err := f.run()
			return err
		}
	}
	return ops, nil
}

// refreshOps give each worker its own person and refresh-token chain,
// started by one untimed flow.
func (w *mainWorld) refreshOps(t *target, conc int) ([]op, error) {
	ops := make([]op, conc)
	for i := range ops {
		u := w.users[Refresh][i]
		b := newBrowser(t.hc, t.base)
		if err := signIn(b, u); err != nil {
			return nil, fmt.Errorf("refresh: %w", err)
		}
		r := &refresher{b: b, flow: newFlower(b, w.app, u, flowScopes)}
		tr, err := r.flow.run()
		if err != nil {
			return nil, fmt.Errorf("refresh: start a chain: %w", err)
		}
		r.refresh = tr.RefreshToken
		ops[i] = r.rotate
	}
	return ops, nil
}
