// Package bench is the load driver behind `consentry bench`. It seeds a
// database through the store and the services, starts `consentry serve` on
// it as a child process (or drives a server already running), runs each
// workload in closed loop over loopback HTTP for a bounded time and number
// of requests, and reports throughput, exact latency percentiles, errors
// and the server's memory and start-up time.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/consentry/consentry/models"
)

// DefaultDuration is how long each workload is timed.
const DefaultDuration = 5 * time.Second

// DefaultCascadeSizes are the token counts the cascade workload times: 1×,
// 10× and 100×.
func DefaultCascadeSizes() []int { return []int{1_000, 10_000, 100_000} }

// Options configure a run.
type Options struct {
	// Exe is the consentry binary, started as `Exe --db F serve …`.
	// Required unless URL is set.
	Exe string
	// URL is a server already running; empty starts one per phase on a
	// temporary database.
	URL string
	// DB is the running server's database, which the bench seeds. Required
	// with URL, ignored without.
	DB string
	// ServerPID is the running server's process id, for its memory; 0
	// leaves RSS unknown. Only with URL.
	ServerPID int
	// CatalogFile is the scope catalog file ("" for the built-in one),
	// passed on to the servers the bench starts.
	CatalogFile string
	// Only selects workloads by name (see Workloads); empty runs the
	// default ones (DefaultWorkloads).
	Only []string
	// Duration is how long each workload is timed.
	Duration time.Duration
	// Pin runs the server on CPU 0 (with taskset) and the driver on CPU 1.
	Pin bool
	// CascadeSizes are the token counts of the cascade workload.
	CascadeSizes []int
	// AuditEvents is how many audit events the audit workload seeds
	// (DefaultAuditEvents when 0).
	AuditEvents int
	// GrowthSizes are how many codes, tokens and audit events each
	// database of the growth workload stores (DefaultGrowthSizes when
	// empty); 0 is the empty database the others are compared with.
	GrowthSizes []int
	// Dir keeps the databases and server logs; empty uses a temporary
	// directory removed afterwards.
	Dir string
	// ProfileDir, when set, receives a CPU profile of the server for each
	// timed workload (NAME-cCONCURRENCY.pprof, for `go tool pprof`). Only
	// for servers the bench starts, which then serve the profiler on a
	// loopback port.
	ProfileDir string
	// Progress receives a line per step; nil for none.
	Progress io.Writer
}

// Select checks workload names and returns the set to run; none means the
// default set, every workload but the opt-in ones (see DefaultWorkloads).
func Select(names []string) (map[string]bool, error) {
	all := Workloads()
	selected := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if !slices.Contains(all, n) {
			return nil, fmt.Errorf("unknown workload %q (choose from %s)", n, strings.Join(all, ", "))
		}
		selected[n] = true
	}
	if len(selected) == 0 {
		for _, n := range DefaultWorkloads() {
			selected[n] = true
		}
	}
	return selected, nil
}

// driver is one run's state.
type driver struct {
	o        Options
	selected map[string]bool
	catalog  *models.Catalog
	report   *Report
	// taskset is the taskset binary when the server is to be pinned.
	taskset string
	tag     string
}

// Run seeds, starts and drives the servers and returns what it measured.
// The cascade, audit and growth workloads run against servers of their
// own, on their own databases, so that their data do not weigh on the
// other workloads.
func Run(ctx context.Context, o Options) (*Report, error) {
	selected, err := Select(o.Only)
	if err != nil {
		return nil, err
	}
	if o.Duration <= 0 {
		o.Duration = DefaultDuration
	}
	if len(o.CascadeSizes) == 0 {
		o.CascadeSizes = DefaultCascadeSizes()
	}
	if o.AuditEvents <= 0 {
		o.AuditEvents = DefaultAuditEvents
	}
	if len(o.GrowthSizes) == 0 {
		o.GrowthSizes = DefaultGrowthSizes()
	}
	switch {
	case o.URL != "" && o.ProfileDir != "":
		return nil, errors.New("bench: --profile needs a server the bench starts (not --url): run yours with --pprof and fetch profiles from it")
	case o.URL != "" && selected[Growth]:
		return nil, errors.New("bench: growth compares fresh databases of its own, so it needs servers the bench starts (not --url)")
	case o.URL != "" && o.DB == "":
		return nil, errors.New("bench: a running server's database is needed to seed it (--db with --url)")
	case o.URL == "" && o.Exe == "":
		return nil, errors.New("bench: no consentry binary to start the server with")
	}
	catalog, err := models.LoadCatalog(o.CatalogFile)
	if err != nil {
		return nil, err
	}
	tag := make([]byte, 4)
	_, _ = rand.Read(tag)
	d := &driver{o: o, selected: selected, catalog: catalog, tag: hex.EncodeToString(tag), report: &Report{
		Started: time.Now().UTC(), Duration: o.Duration,
		Machine: Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH},
	}}
	if o.Pin {
		d.pin()
	}
	d.report.Machine.DriverProcs = runtime.GOMAXPROCS(0)

	dir := o.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "consentry-bench-"); err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
		defer os.RemoveAll(dir)
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}

	main := slices.ContainsFunc(Workloads(), func(n string) bool { return !slices.Contains(ownPhase, n) && selected[n] })
	if main {
		var w *mainWorld
		err := d.phase(ctx, "main", dir,
			func(ctx context.Context, s *seeder) (err error) {
				w, err = seedMain(ctx, s, selected, o.Duration)
				return err
			},
			func(ctx context.Context, t *target) error { return d.mainWorkloads(ctx, t, w) })
		if err != nil {
			return d.report, err
		}
	}
	defer d.noteBusyMachine()
	if selected[Cascade] {
		var w *cascadeWorld
		err := d.phase(ctx, "cascade", dir,
			func(ctx context.Context, s *seeder) (err error) {
				w, err = seedCascade(ctx, s, o.CascadeSizes)
				return err
			},
			func(ctx context.Context, t *target) error {
				d.progressf("cascade: %v tokens over %d workspaces", o.CascadeSizes, cascadeWorkspaces)
				rows, err := runCascade(ctx, t, w)
				for _, r := range rows {
					d.addRow(r)
				}
				return err
			})
		if err != nil {
			return d.report, err
		}
	}
	if selected[Audit] {
		if err := d.auditPhase(ctx, dir); err != nil {
			return d.report, err
		}
	}
	if selected[Growth] {
		if err := d.growthPhases(ctx, dir); err != nil {
			return d.report, err
		}
	}
	return d.report, nil
}

// pin decides where things run. The server gets CPU 0 through taskset (so
// its Go runtime starts with one CPU and sizes itself for it); the driver
// moves itself to CPU 1. Without taskset nothing is pinned: a child would
// otherwise inherit the driver's CPU.
func (d *driver) pin() {
	if runtime.NumCPU() < 2 {
		d.note("--pin needs two CPUs: nothing pinned")
		return
	}
	if d.o.URL == "" {
		path, err := exec.LookPath("taskset")
		if err != nil {
			d.note("--pin: taskset not found (util-linux): nothing pinned")
			return
		}
		d.taskset = path
	}
	if err := pinDriver(1); err != nil {
		d.taskset = ""
		d.note(fmt.Sprintf("--pin: %v: nothing pinned", err))
		return
	}
	if d.o.URL != "" {
		d.note("--pin with --url: only the driver is pinned (CPU 1); pin the server yourself (taskset -c 0)")
		return
	}
	d.report.Machine.Pinned = true
}

// phase seeds a database, starts a server on it (unless one runs at the
// URL), measures its idle memory, runs the workloads and stops it.
func (d *driver) phase(ctx context.Context, name, dir string,
	seed func(context.Context, *seeder) error, run func(context.Context, *target) error) error {
	db := d.o.DB
	if d.o.URL == "" {
		db = filepath.Join(dir, name+".db")
	}
	began := time.Now()
	s, err := openSeeder(ctx, db, d.catalog, d.tag)
	if err != nil {
		return err
	}
	if err := seed(ctx, s); err != nil {
		_ = s.close()
		return err
	}
	if err := s.close(); err != nil {
		return err
	}
	flushSeedWrites()
	srv := Server{Name: name, Seed: time.Since(began)}
	d.progressf("%s: seeded %s in %s", name, db, formatDuration(srv.Seed))

	t := &target{base: strings.TrimSuffix(d.o.URL, "/"), pid: d.o.ServerPID}
	var c *child
	if d.o.URL == "" {
		logPath := filepath.Join(dir, name+".log")
		argv := d.serverArgv(db)
		if d.o.ProfileDir != "" {
			if t.pprof, err = freeLoopbackAddr(); err != nil {
				return err
			}
			argv = append(argv, "--pprof", t.pprof)
		}
		if c, err = startChild(ctx, argv, logPath); err != nil {
			return err
		}
		defer c.stop()
		t.base, t.pid = c.base, c.pid()
		srv.Child, srv.Startup = true, c.startup
		d.progressf("%s: server %s (pid %d) ready in %.0f ms", name, c.base, t.pid, ms(c.startup))
	}
	srv.URL, srv.PID = t.base, t.pid
	if t.hc, err = newHostClient(t.base, 4*baselineConcurrency); err != nil {
		return err
	}
	srv.IdleRSS, _ = procStatus(t.pid, "VmRSS")
	runErr := run(ctx, t)
	srv.PeakRSS, _ = procStatus(t.pid, "VmHWM")
	// fasthttp holds a graceful shutdown while a connection is open.
	t.hc.CloseIdleConnections()
	if c != nil {
		c.stop()
		var first []string
		srv.ErrorLogs, first = errorLogs(c.logPath)
		for _, line := range first {
			d.note(fmt.Sprintf("%s server logged: %s", name, line))
		}
	}
	if d.o.URL != "" && t.pid != 0 {
		d.note("with --url the peak RSS is the server's high-water mark since it started")
	}
	d.report.Servers = append(d.report.Servers, srv)
	return runErr
}

// serverArgv is the command line of a child server on db, behind taskset
// when pinning.
func (d *driver) serverArgv(db string) []string {
	var argv []string
	if d.taskset != "" {
		argv = append(argv, d.taskset, "-c", "0")
	}
	argv = append(argv, d.o.Exe, "--db", db, "serve", "--addr", "127.0.0.1:0", "--session-key", childSessionKey)
	if d.o.CatalogFile != "" {
		argv = append(argv, "--scopes", d.o.CatalogFile)
	}
	return argv
}

// mainWorkloads runs the selected workloads but the cascade, in order.
func (d *driver) mainWorkloads(ctx context.Context, t *target, w *mainWorld) error {
	for _, name := range Workloads() {
		if !d.selected[name] {
			continue
		}
		switch name {
		case Baseline:
			d.measure(ctx, t, name, "baseline (GET /healthz)", baselineOps(t, baselineConcurrency))
		case Resource:
			d.measure(ctx, t, name, "resource (GET /api/v1/workspaces)", w.resourceOps(t, resourceConcurrency))
		case Introspect:
			d.measure(ctx, t, name, name, w.introspectOps(t, introspectConcurrency))
		case Flow, FlowOpenID:
			for _, conc := range flowConcurrencies {
				ops, err := w.flowOps(t, name, conc)
				if err != nil {
					return err
				}
				d.measure(ctx, t, name, name, ops)
			}
		case Refresh:
			ops, err := w.refreshOps(t, refreshConcurrency)
			if err != nil {
				return err
			}
			d.measure(ctx, t, name, name, ops)
		case Revoke:
			d.measure(ctx, t, name, name, w.revokeOps(t, revokeConcurrency))
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// busyMachineShare is the share of a core other processes may use during a
// workload before the report warns that the machine was shared.
const busyMachineShare = 0.15

// noteBusyMachine warns when other processes competed for the CPUs: the
// figures are then lower and noisier than the machine can do.
func (d *driver) noteBusyMachine() {
	busy, worst := 0, 0.0
	for _, r := range d.report.Rows {
		if r.OtherCPU > busyMachineShare {
			busy++
			worst = max(worst, r.OtherCPU)
		}
	}
	if busy > 0 {
		d.note(fmt.Sprintf("other processes used up to %s of a core during %d of %d workloads: those figures understate this machine",
			formatCores(worst), busy, len(d.report.Rows)))
	}
}

func (d *driver) note(s string) {
	d.report.Notes = append(d.report.Notes, s)
	d.progressf("note: %s", s)
}

func (d *driver) progressf(format string, args ...any) {
	if d.o.Progress != nil {
		fmt.Fprintf(d.o.Progress, format+"\n", args...)
	}
}

func (d *driver) progressRow(r Row) {
	rate := formatRate(r.OpsPerSec) + " ops/s"
	if r.OneShot {
		rate = strconv.Itoa(r.Ops) + " timed"
	}
	d.progressf("%-44s c=%-2d %s, p50 %s, p99 %s, %d errors, CPU server %s driver %s other %s", r.Name, r.Concurrency, rate,
		formatMS(r.Latency.P50), formatMS(r.Latency.P99), r.Errors, formatCores(r.ServerCPU), formatCores(r.DriverCPU), formatCores(r.OtherCPU))
	for _, e := range r.ErrorSamples {
		d.progressf("    error: %s", e)
	}
}
