package bench

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func sampleReport() *Report {
	return &Report{
		Started:  time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		Duration: 5 * time.Second,
		Machine:  Machine{CPUs: 2, GoVersion: "go1.26", OS: "linux", Arch: "amd64", Pinned: true, DriverProcs: 1},
		Servers: []Server{{Name: "main", URL: "http://127.0.0.1:4000", PID: 42, Child: true,
			Startup: 41500 * time.Microsecond, IdleRSS: 18 << 20, PeakRSS: 40 << 20},
			{Name: "growth-100k", URL: "http://127.0.0.1:4001", PID: 43, Child: true, Seed: 12340 * time.Millisecond,
				Startup: 12 * time.Millisecond, IdleRSS: 20 << 20, PeakRSS: 45 << 20}},
		Rows: []Row{
			{Workload: Baseline, Name: "baseline (GET /healthz)", Concurrency: 16, Ops: 250_000, Elapsed: 5 * time.Second,
				OpsPerSec: 50_000.4, Latency: Latency{P50: 310 * time.Microsecond, P99: 1200 * time.Microsecond},
				RSS: 30 << 20, ServerCPU: 1, DriverCPU: 0.62, OtherCPU: 0.01},
			{Workload: Flow, Name: "flow", Concurrency: 8, Ops: 5000, Errors: 2, Elapsed: 5 * time.Second, OpsPerSec: 1000,
				Latency:   Latency{P50: 7 * time.Millisecond, P99: 123456 * time.Microsecond},
				ServerCPU: -1, DriverCPU: -1, OtherCPU: -1, ErrorSamples: []string{"approve: status 500"}},
			{Workload: Cascade, Name: "cascade revoke-app 100k", Concurrency: 1, Tokens: 100_000, Ops: 1,
				Elapsed: 210 * time.Millisecond, OpsPerSec: 4.76, OneShot: true,
				Latency:   Latency{P50: 210 * time.Millisecond, P99: 210 * time.Millisecond},
				ServerCPU: -1, DriverCPU: -1, OtherCPU: -1, Note: "600 token checks, 0 wrong"},
			{Workload: Growth, Name: "flow c1 (empty database)", Concurrency: 1, Ops: 2000, Elapsed: 5 * time.Second,
				OpsPerSec: 400, Latency: Latency{P50: 2 * time.Millisecond, P99: 8 * time.Millisecond}, ServerCPU: 0.9, DriverCPU: 0.3, OtherCPU: 0},
			{Workload: Growth, Name: "flow c1 (+100k codes, tokens, audit events)", Stored: 100_000, Concurrency: 1, Ops: 1940,
				Elapsed: 5 * time.Second, OpsPerSec: 388, Latency: Latency{P50: 2100 * time.Microsecond, P99: 8500 * time.Microsecond},
				ServerCPU: 0.9, DriverCPU: 0.3, OtherCPU: 0, Note: "-3.0% vs empty"},
		},
		Notes: []string{"something to know"},
	}
}

func TestWriteTable(t *testing.T) {
	var b strings.Builder
	if err := sampleReport().WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	for _, tt := range []struct {
		line int
		want []string
	}{
		{0, []string{"workload", "conc", "ops/s", "p50", "p99", "errors", "server RSS", "CPU srv/drv/other", "note"}},
		{1, []string{"baseline (GET /healthz)", "16", "250,000", "50,000", "0.31 ms", "1.20 ms", "30.0 MiB", "100%/62%/1%"}},
		{2, []string{"flow", "8", "5,000", "1,000", "7.00 ms", "123.5 ms", " 2 ", "-/-/-"}},
		{3, []string{"cascade revoke-app 100k", "210.0 ms", "600 token checks, 0 wrong"}},
		{4, []string{"flow c1 (empty database)", " 1 ", "2,000", "400", "2.00 ms", "8.00 ms"}},
		{5, []string{"flow c1 (+100k codes, tokens, audit events)", "1,940", "388", "2.10 ms", "8.50 ms", "90%/30%/0%  -3.0% vs empty"}},
	} {
		for _, w := range tt.want {
			if !strings.Contains(lines[tt.line], w) {
				t.Errorf("line %d %q lacks %q", tt.line, lines[tt.line], w)
			}
		}
	}
	// The columns line up: every row's p99 ends where the header's does.
	end := strings.Index(lines[0], "p99") + len("p99")
	for i := 1; i <= 5; i++ {
		if !strings.HasSuffix(lines[i][:end], " ms") {
			t.Errorf("line %d: p99 column does not end at %d: %q", i, end, lines[i])
		}
	}
	// A one-shot row has no throughput.
	if fields := strings.Fields(lines[3]); fields[5] != "-" {
		t.Errorf("one-shot row ops/s = %q, want -", fields[5])
	}
	for _, w := range []string{
		"server main (http://127.0.0.1:4000, pid 42): ready 41.50 ms after exec; RSS idle 18.0 MiB, peak 40.0 MiB",
		"server growth-100k (http://127.0.0.1:4001, pid 43): seeded in 12.3 s; ready 12.00 ms after exec;",
		"server pinned to CPU 0 and driver to CPU 1",
		"note: something to know",
	} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("table lacks %q:\n%s", w, b.String())
		}
	}
}

func TestReportJSON(t *testing.T) {
	raw, err := json.Marshal(sampleReport())
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		DurationS float64 `json:"duration_s"`
		Servers   []map[string]any
		Workloads []map[string]any
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%v in %s", err, raw)
	}
	if got.DurationS != 5 || len(got.Workloads) != 5 || got.Servers[0]["startup_ms"] != 41.5 {
		t.Fatalf("report JSON = %s", raw)
	}
	if _, ok := got.Servers[0]["seed_ms"]; ok || got.Servers[1]["seed_ms"] != 12340.0 {
		t.Errorf("servers' seed_ms = %v, %v; want none (unknown) and 12340", got.Servers[0]["seed_ms"], got.Servers[1]["seed_ms"])
	}
	// A growth row says how much its database stored, the empty one too;
	// other rows say nothing.
	for i, want := range []any{nil, nil, nil, 0.0, 100000.0} {
		if stored := got.Workloads[i]["stored"]; stored != want {
			t.Errorf("row %d stored = %v, want %v", i, stored, want)
		}
	}
	base, flow, cascade := got.Workloads[0], got.Workloads[1], got.Workloads[2]
	for key, want := range map[string]any{"p50_ms": 0.31, "p99_ms": 1.2, "ops_per_sec": 50000.4, "server_cpu_cores": 1.0, "errors": 0.0} {
		if base[key] != want {
			t.Errorf("baseline %s = %v, want %v", key, base[key], want)
		}
	}
	if _, ok := flow["server_cpu_cores"]; ok {
		t.Errorf("unknown CPU share is written: %v", flow)
	}
	if flow["errors"] != 2.0 || flow["error_samples"] == nil {
		t.Errorf("flow errors = %v %v", flow["errors"], flow["error_samples"])
	}
	if _, ok := cascade["ops_per_sec"]; ok || cascade["tokens"] != 100000.0 {
		t.Errorf("cascade row = %v, want tokens and no ops_per_sec", cascade)
	}
}

var formatTests = []struct {
	got, want string
}{
	{formatCount(0), "0"},
	{formatCount(999), "999"},
	{formatCount(1000), "1,000"},
	{formatCount(1234567), "1,234,567"},
	{formatCount(-1234), "-1,234"},
	{formatRate(12.34), "12.3"},
	{formatRate(99.96), "100.0"},
	{formatRate(1999.5), "2,000"},
	{formatMS(250 * time.Microsecond), "0.25 ms"},
	{formatMS(99990 * time.Microsecond), "99.99 ms"},
	{formatMS(250 * time.Millisecond), "250.0 ms"},
	{formatDuration(25310 * time.Microsecond), "25.31 ms"},
	{formatDuration(time.Second), "1.0 s"},
	{formatDuration(12340 * time.Millisecond), "12.3 s"},
	{formatBytes(0), "-"},
	{formatBytes(40 << 20), "40.0 MiB"},
	{formatCores(-1), "-"},
	{formatCores(0.994), "99%"},
	{sizeLabel(1000), "1k"},
	{sizeLabel(100_000), "100k"},
	{sizeLabel(1500), "1500"},
}

func TestFormats(t *testing.T) {
	for _, tt := range formatTests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
