package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/urfave/cli/v3"

	"github.com/consentry/consentry/app/bench"
)

// benchCommand measures the server under load; see app/bench.
func benchCommand() *cli.Command {
	return &cli.Command{
		Name:  "bench",
		Usage: "measure throughput, latency, memory and start-up of the main workloads over loopback",
		UsageText: "consentry bench [--only W,…] [--duration D] [--pin] [--cascade-sizes N,…] [--audit-events N] [--growth-sizes N,…] [--keep DIR] [--json]\n" +
			"consentry --db F bench --url http://127.0.0.1:8080 [--server-pid P] [--only W,…] …",
		Description: "Without --url the bench seeds a temporary database, starts `consentry serve` on it as a\n" +
			"child process (the cascade gets a server and database of its own) and never touches --db.\n" +
			"With --url it drives a running server on this machine and seeds that server's --db.\n" +
			"Workloads: " + strings.Join(bench.Workloads(), ", ") + ". Without --only every workload runs\n" +
			"but audit and growth, which are too slow for a default run. audit seeds --audit-events audit\n" +
			"events (1,000,000; tens of seconds) into a database and server of its own, then times the first\n" +
			"page of /admin/audit for one workspace and a page deep in its history (25 times each) and the\n" +
			"CSV export of all events with the server's RSS growth; run it with --only audit. growth seeds,\n" +
			"for each of --growth-sizes, a database and server of its own with that many authorization codes,\n" +
			"tokens and audit events (and a tenth as many grants), runs the flow at concurrency 1 and 8 on\n" +
			"all of them in turns (ten rounds, so that the machine's drift falls on every size alike), and\n" +
			"notes each rate's change against the empty database (size 0); run it with --only growth.\n" +
			"It exits with status 1 when any request failed.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "url", Usage: "drive the running server at this loopback http:// URL instead of starting one"},
			&cli.IntFlag{Name: "server-pid", Usage: "with --url: the server's process id, to report its memory"},
			&cli.StringFlag{Name: "only", Usage: "comma-separated workloads to run (audit and growth run only when named)", DefaultText: "all but audit and growth"},
			&cli.DurationFlag{Name: "duration", Usage: "how long each workload is timed", Value: bench.DefaultDuration},
			&cli.BoolFlag{Name: "pin", Usage: "run the server on CPU 0 (with taskset) and the load driver on CPU 1"},
			&cli.StringFlag{Name: "cascade-sizes", Usage: "comma-separated token counts of the cascade workload", Value: formatSizes(bench.DefaultCascadeSizes())},
			&cli.IntFlag{Name: "audit-events", Usage: "how many audit events the audit workload seeds", Value: bench.DefaultAuditEvents},
			&cli.StringFlag{Name: "growth-sizes", Usage: "comma-separated counts of the codes, tokens and audit events each growth database stores (0: empty)", Value: formatSizes(bench.DefaultGrowthSizes())},
			&cli.StringFlag{Name: "profile", Usage: "write a CPU profile of the server for each workload to this directory", TakesFile: true},
			&cli.StringFlag{Name: "keep", Usage: "keep the databases and server logs in this directory", TakesFile: true},
		},
		Action: runBench,
	}
}

func runBench(ctx context.Context, cmd *cli.Command) error {
	if err := noArgs(cmd); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	sizes, err := parseSizes("cascade-sizes", cmd.String("cascade-sizes"), false)
	if err != nil {
		return err
	}
	growth, err := parseSizes("growth-sizes", cmd.String("growth-sizes"), true)
	if err != nil {
		return err
	}
	if cmd.Int("audit-events") < 1 {
		return fmt.Errorf("bench: --audit-events: want a positive number, not %d", cmd.Int("audit-events"))
	}
	opts := bench.Options{
		URL:          cmd.String("url"),
		ServerPID:    int(cmd.Int("server-pid")),
		CatalogFile:  catalogPath(cmd, false),
		Only:         strings.Split(cmd.String("only"), ","),
		Duration:     cmd.Duration("duration"),
		Pin:          cmd.Bool("pin"),
		CascadeSizes: sizes,
		AuditEvents:  int(cmd.Int("audit-events")),
		GrowthSizes:  growth,
		Dir:          cmd.String("keep"),
		ProfileDir:   cmd.String("profile"),
	}
	if _, err := bench.Select(opts.Only); err != nil {
		return fmt.Errorf("bench: --only: %w", err)
	}
	if opts.URL == "" {
		if opts.Exe, err = os.Executable(); err != nil {
			return fmt.Errorf("bench: find the consentry binary: %w", err)
		}
	} else {
		if err := checkLoopbackURL(opts.URL); err != nil {
			return err
		}
		opts.DB = cmd.String(flagDB)
	}
	if !cmd.Bool(flagJSON) {
		opts.Progress = cmd.Root().ErrWriter
	}
	report, err := bench.Run(ctx, opts)
	if err != nil {
		return err
	}
	if err := emit(cmd, report, func(w io.Writer) { _ = report.WriteTable(w) }); err != nil {
		return err
	}
	failed := 0
	for _, r := range report.Rows {
		if r.Errors > 0 {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("bench: %d of %d workloads had errors", failed, len(report.Rows))
	}
	if opts.Dir != "" {
		fmt.Fprintf(cmd.Root().ErrWriter, "databases and server logs kept in %s\n", opts.Dir)
	}
	return nil
}

// parseSizes reads the comma-separated counts given to the flag named
// (1000 or 1_000); each must be positive, or may be 0 when zeroOK.
func parseSizes(flag, raw string, zeroOK bool) ([]int, error) {
	least, want := 1, "a positive whole number"
	if zeroOK {
		least, want = 0, "a whole number (0 or more)"
	}
	var sizes []int
	for _, part := range strings.Split(raw, ",") {
		part = strings.TrimSpace(strings.ReplaceAll(part, "_", ""))
		if part == "" {
			continue
		}
		n, err := strconv.Atoi(part)
		if err != nil || n < least {
			return nil, fmt.Errorf("bench: --%s: %q is not %s", flag, part, want)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

// formatSizes writes sizes as parseSizes reads them, for a flag's default.
func formatSizes(sizes []int) string {
	parts := make([]string, len(sizes))
	for i, n := range sizes {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

// checkLoopbackURL refuses to send load anywhere but this machine.
func checkLoopbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return fmt.Errorf("bench: --url %q: want http://host:port", raw)
	}
	if !isLoopbackHost(u.Hostname()) {
		return fmt.Errorf("bench: --url %q: the bench only targets loopback addresses", raw)
	}
	return nil
}
