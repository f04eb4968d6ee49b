package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// benchChildEnv makes this test binary act as consentry itself. `consentry
// bench` starts its server by running its own executable with `serve`;
// under `go test` that executable is the test binary, which then runs the
// command line instead of the tests.
const benchChildEnv = "CONSENTRY_TEST_RUN_AS_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(benchChildEnv) == "1" {
		os.Exit(run(context.Background(), os.Args, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func TestBenchFlags(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown workload", []string{"bench", "--only", "flows"}, `unknown workload "flows"`},
		{"bad cascade size", []string{"bench", "--cascade-sizes", "1000,lots"}, `"lots" is not a positive whole number`},
		{"URL off this machine", []string{"bench", "--url", "http://192.0.2.1:8080"}, "only targets loopback"},
		{"URL without scheme", []string{"bench", "--url", "127.0.0.1:8080"}, "want http://host:port"},
		{"stray argument", []string{"bench", "flow"}, "unexpected argument"},
		{"profile of a running server", []string{"bench", "--url", "http://127.0.0.1:1", "--profile", "p"}, "--profile needs a server the bench starts"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantFailure(t, runCLI(t, tt.args...), tt.want)
		})
	}
}

// TestBenchEndToEnd runs two workloads for a second each against a real
// child server and expects work done and nothing failed.
func TestBenchEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server and puts load on it for a few seconds")
	}
	t.Setenv(benchChildEnv, "1")
	r := runCLI(t, "bench", "--only", "resource,flow", "--duration", "1s", "--json")
	if r.code != 0 {
		t.Fatalf("bench: exit %d\nstderr: %s\nstdout: %s", r.code, r.stderr, r.stdout)
	}
	var report struct {
		Servers []struct {
			Name      string  `json:"name"`
			Child     bool    `json:"child"`
			StartupMS float64 `json:"startup_ms"`
			IdleRSS   int64   `json:"idle_rss_bytes"`
			ErrorLogs int     `json:"error_logs"`
		}
		Workloads []struct {
			Workload    string  `json:"workload"`
			Concurrency int     `json:"concurrency"`
			Ops         int     `json:"ops"`
			Errors      int     `json:"errors"`
			OpsPerSec   float64 `json:"ops_per_sec"`
			P50         float64 `json:"p50_ms"`
			P99         float64 `json:"p99_ms"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &report); err != nil {
		t.Fatalf("stdout is not the JSON report: %v\n%s", err, r.stdout)
	}
	var got []string
	for _, w := range report.Workloads {
		got = append(got, w.Workload)
		if w.Ops == 0 || w.Errors != 0 || w.OpsPerSec <= 0 || w.P50 <= 0 || w.P99 < w.P50 {
			t.Errorf("%s at concurrency %d: %+v, want operations, no errors and p50 ≤ p99", w.Workload, w.Concurrency, w)
		}
	}
	if strings.Join(got, " ") != "resource flow flow" {
		t.Errorf("workloads = %v, want resource, flow (c1), flow (c8)", got)
	}
	if len(report.Servers) != 1 || !report.Servers[0].Child || report.Servers[0].StartupMS <= 0 || report.Servers[0].ErrorLogs != 0 {
		t.Errorf("servers = %+v, want one child that started and logged no errors", report.Servers)
	}
	if _, err := os.Stat("/proc/self/status"); err == nil && report.Servers[0].IdleRSS <= 0 {
		t.Errorf("idle RSS unknown despite /proc")
	}
}
