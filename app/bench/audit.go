package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/consentry/consentry/app/accounts"
	"github.com/consentry/consentry/models"
)

// DefaultAuditEvents is how many audit events the audit workload seeds, the
// size issue 7 sets its targets at.
const DefaultAuditEvents = 1_000_000

const (
	// auditWorkspaces is how many workspaces the events are spread over;
	// each event touches one or two of them.
	auditWorkspaces = 5
	// auditPeople and auditApps are the real users and clients the events
	// name, so that the page resolves actors as it would in production.
	auditPeople = 10
	auditApps   = 3
	// auditPageRepeats is how many times each page is timed.
	auditPageRepeats = 25
	// auditRSSEvery is how often the server's RSS is sampled during the
	// export.
	auditRSSEvery = 50 * time.Millisecond
	// auditSeedRandom makes the seeded trail the same every run.
	auditSeedRandom = 7
)

// auditWorld is the audit workload's database: a platform admin who signs
// in, the workspaces the events are spread over, and how long seeding took.
type auditWorld struct {
	admin      benchUser
	workspaces []string
	events     int
	seedTime   time.Duration
}

// seedAudit creates the platform admin, the people, apps and workspaces
// the events name, and n audit events through the store's seeder.
func seedAudit(ctx context.Context, s *seeder, n int) (*auditWorld, error) {
	w := &auditWorld{events: n}
	w.admin = benchUser{email: "audit-admin-" + s.tag + "@bench.example", password: "bench-password-" + s.tag}
	created, err := s.accounts.CreateUser(ctx, accounts.NewUser{
		Email: w.admin.email, Password: w.admin.password, Name: "Audit admin", PlatformAdmin: true,
	})
	if err != nil {
		return nil, fmt.Errorf("seed platform admin: %w", err)
	}
	w.admin.id = created.ID
	for i := range auditWorkspaces {
		ws, err := s.accounts.CreateWorkspace(ctx, fmt.Sprintf("audit %02d", i), w.admin.email)
		if err != nil {
			return nil, fmt.Errorf("seed audit workspace: %w", err)
		}
		w.workspaces = append(w.workspaces, ws.ID)
	}
	o := models.AuditSeed{Users: []string{w.admin.id}, Seed: auditSeedRandom}
	for i := range auditPeople {
		u, err := s.user(ctx, fmt.Sprintf("audit-person-%d", i), 0)
		if err != nil {
			return nil, err
		}
		o.Users = append(o.Users, u.id)
	}
	for i := range auditApps {
		app, err := s.app(ctx, fmt.Sprintf("audit-app-%d", i), []string{"workspace:read"}, false)
		if err != nil {
			return nil, err
		}
		o.Clients = append(o.Clients, app.id)
	}
	began := time.Now()
	if err := s.store.SeedAuditEvents(ctx, n, w.workspaces, o); err != nil {
		return nil, err
	}
	w.seedTime = time.Since(began)
	return w, nil
}

// auditPhase seeds the audit workload's database, starts its server and
// times the audit log.
func (d *driver) auditPhase(ctx context.Context, dir string) error {
	var w *auditWorld
	return d.phase(ctx, "audit", dir,
		func(ctx context.Context, s *seeder) (err error) {
			d.progressf("audit: seeding %s audit events over %d workspaces", formatCount(int64(d.o.AuditEvents)), auditWorkspaces)
			w, err = seedAudit(ctx, s, d.o.AuditEvents)
			return err
		},
		func(ctx context.Context, t *target) error {
			rows, err := runAudit(ctx, t, w)
			for _, r := range rows {
				d.addRow(r)
			}
			return err
		})
}

// auditDeepCursor is the cursor of the deep page: an id about a twentieth
// of the way into the trail, so the page lies 95% of the history back.
func auditDeepCursor(events int) int64 { return int64(max(events/20, 2)) }

// runAudit signs the platform admin in and times the first page of one
// workspace's events, a page deep in that workspace's history by cursor,
// and the export of the whole trail as CSV.
func runAudit(ctx context.Context, t *target, w *auditWorld) ([]Row, error) {
	b := newBrowser(t.hc, t.base)
	if err := signIn(b, w.admin); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	seedDecimals := 0
	if w.seedTime < 10*time.Second {
		seedDecimals = 1
	}
	note := fmt.Sprintf("%s events, seed %s s", formatCount(int64(w.events)), strconv.FormatFloat(w.seedTime.Seconds(), 'f', seedDecimals, 64))
	ws := url.QueryEscape(w.workspaces[0])
	first := "/admin/audit?workspace=" + ws
	deep := first + "&before=" + strconv.FormatInt(auditDeepCursor(w.events), 10)
	var rows []Row
	for _, p := range []struct{ name, path string }{
		{"audit first page (workspace)", first},
		{"audit deep page (workspace, cursor)", deep},
	} {
		if err := ctx.Err(); err != nil {
			return rows, err
		}
		rows = append(rows, timeAuditPage(b, t.pid, p.name, p.path, note))
	}
	if err := ctx.Err(); err != nil {
		return rows, err
	}
	rows = append(rows, timeAuditExport(ctx, b, t.pid, w, note))
	return rows, nil
}

// timeAuditPage gets path once untimed, then auditPageRepeats times timed;
// each answer must be a full page with an older one after it.
func timeAuditPage(b *conn, pid int, name, path, note string) Row {
	r := &cascadeRow{Row: Row{Workload: Audit, Name: name, Concurrency: 1, OneShot: true}}
	get := func() (time.Duration, error) {
		start := time.Now()
		status, err := b.get(path, "")
		took := time.Since(start)
		if err != nil {
			return 0, err
		}
		if status != http.StatusOK {
			return 0, b.unexpected("GET "+pathOnly(path), status)
		}
		if !bytes.Contains(b.res.Body(), []byte(`rel="next"`)) {
			return 0, fmt.Errorf("GET %s: no link to older events: not a full page", pathOnly(path))
		}
		return took, nil
	}
	if _, err := get(); err != nil {
		r.fail(err)
	}
	gauges := watch(pid)
	for range auditPageRepeats {
		r.time(get())
	}
	use := gauges.stop()
	out := r.Row
	out.Ops = len(r.latencies)
	out.Latency = summarize(r.latencies)
	if out.Elapsed > 0 {
		out.OpsPerSec = float64(out.Ops) / out.Elapsed.Seconds()
	}
	out.RSS, out.ServerCPU, out.DriverCPU, out.OtherCPU = use.peakRSS, use.serverCPU, use.driverCPU, use.otherCPU
	out.Note = note
	return out
}

// timeAuditExport downloads /admin/audit.csv once, unfiltered, reading the
// stream as it comes and counting its lines, while sampling the server's
// RSS: the row's RSS is the peak, and its note the growth over the RSS
// before the request.
func timeAuditExport(ctx context.Context, b *conn, pid int, w *auditWorld, note string) Row {
	row := Row{Workload: Audit, Name: "audit export (CSV, all events)", Concurrency: 1, OneShot: true,
		ServerCPU: -1, DriverCPU: -1, OtherCPU: -1}
	fail := func(err error) Row {
		row.Errors++
		row.ErrorSamples = append(row.ErrorSamples, err.Error())
		row.Note = note
		return row
	}
	// net/http reads the body as it streams; the fasthttp client would
	// hold all of it.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.base+"/admin/audit.csv", nil)
	if err != nil {
		return fail(err)
	}
	var cookies []string
	for name, value := range b.cookies {
		cookies = append(cookies, name+"="+value)
	}
	req.Header.Set("Cookie", strings.Join(cookies, "; "))
	client := &http.Client{
		Transport:     &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer client.CloseIdleConnections()

	before, _ := procStatus(pid, "VmRSS")
	rss := sampleRSSEvery(pid, auditRSSEvery)
	gauges := watch(pid)
	start := time.Now()
	n, lines, err := fetchCSV(client, req)
	took := time.Since(start)
	use := gauges.stop()
	peak := max(rss.stop(), use.peakRSS)
	row.ServerCPU, row.DriverCPU, row.OtherCPU = use.serverCPU, use.driverCPU, use.otherCPU
	if err != nil {
		return fail(err)
	}
	// The header, then at least the seeded events (the seeding's own
	// workspaces and users add a few).
	if lines-1 < int64(w.events) {
		return fail(fmt.Errorf("GET /admin/audit.csv: %d rows, want at least %d", lines-1, w.events))
	}
	row.Ops, row.Elapsed, row.RSS = 1, took, peak
	row.Latency = Latency{P50: took, P90: took, P99: took, Max: took, Mean: took}
	row.OpsPerSec = 1 / took.Seconds()
	growth := "unknown"
	if before > 0 && peak > 0 {
		growth = formatBytes(max(peak-before, 1))
	}
	row.Note = fmt.Sprintf("%s; %s rows, %s in %.1f s, RSS +%s", note, formatCount(lines-1),
		formatBytes(n), took.Seconds(), growth)
	return row
}

// fetchCSV sends req and reads the CSV answer to the end, returning its
// size and line count.
func fetchCSV(client *http.Client, req *http.Request) (size, lines int64, err error) {
	res, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
		head, _ := io.ReadAll(io.LimitReader(res.Body, 200))
		return 0, 0, fmt.Errorf("GET /admin/audit.csv: status %d (%s): %s", res.StatusCode, res.Header.Get("Content-Type"), bytes.TrimSpace(head))
	}
	buf := make([]byte, 256<<10)
	for {
		k, err := res.Body.Read(buf)
		size += int64(k)
		lines += int64(bytes.Count(buf[:k], []byte{'\n'}))
		if errors.Is(err, io.EOF) {
			return size, lines, nil
		}
		if err != nil {
			return size, lines, fmt.Errorf("GET /admin/audit.csv: after %d bytes: %w", size, err)
		}
	}
}
