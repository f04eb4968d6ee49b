package main

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/consentry/consentry/app/bench"
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
		{"empty cascade", []string{"bench", "--cascade-sizes", "0"}, `--cascade-sizes: "0" is not a positive whole number`},
		{"negative growth size", []string{"bench", "--growth-sizes", "0,-5"}, `--growth-sizes: "-5" is not a whole number (0 or more)`},
		{"growth on a running server", []string{"bench", "--url", "http://127.0.0.1:1", "--only", "growth"}, "growth compares fresh databases of its own"},
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

var parseSizesTests = []struct {
	raw    string
	zeroOK bool
	want   []int
	err    string
}{
	{"1000,10000,100000", false, []int{1000, 10_000, 100_000}, ""},
	{" 1_000 , 100_000,", false, []int{1000, 100_000}, ""},
	{"", false, nil, ""},
	{"0,10_000,100_000", true, []int{0, 10_000, 100_000}, ""},
	{"0", false, nil, `--sizes: "0" is not a positive whole number`},
	{"-1", true, nil, `--sizes: "-1" is not a whole number (0 or more)`},
	{"1e5", true, nil, `"1e5" is not a whole number`},
}

func TestParseSizes(t *testing.T) {
	for _, tt := range parseSizesTests {
		got, err := parseSizes("sizes", tt.raw, tt.zeroOK)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseSizes(%q, %v) = %v, %v; want an error with %q", tt.raw, tt.zeroOK, got, err, tt.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("parseSizes(%q, %v) = %v, %v; want %v", tt.raw, tt.zeroOK, got, err, tt.want)
		}
	}
}

func TestFormatSizesIsWhatParseSizesReads(t *testing.T) {
	for _, sizes := range [][]int{bench.DefaultCascadeSizes(), bench.DefaultGrowthSizes(), {7}} {
		got, err := parseSizes("sizes", formatSizes(sizes), true)
		if err != nil || !slices.Equal(got, sizes) {
			t.Errorf("parseSizes(formatSizes(%v)) = %v, %v", sizes, got, err)
		}
	}
	if got := formatSizes(bench.DefaultCascadeSizes()); got != "1000,10000,100000" {
		t.Errorf("cascade sizes default = %q, want 1×, 10× and 100× of 1,000 tokens", got)
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
