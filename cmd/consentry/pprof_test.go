package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestServeRefusesAProfilerOffLoopback(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"0.0.0.0:6060", ":6060", "10.1.2.3:6060", "[::]:6060", "example.com:6060"} {
		wantFailure(t, runCLI(t, "--db", tempDB(t), "serve", "--addr", "127.0.0.1:0", "--pprof", addr),
			"--pprof", "loopback only")
	}
	wantFailure(t, runCLI(t, "--db", tempDB(t), "serve", "--addr", "127.0.0.1:0", "--pprof", "6060"), "--pprof", `"6060"`)
}

// With --pprof, the profiler answers on its own loopback listener, and not
// on the server's address.
func TestServeProfilerAnswersOnItsOwnAddress(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--db", tempDB(t), "serve", "--addr", "127.0.0.1:0", "--pprof", "127.0.0.1:0")
	var pprofAddr string
	for _, line := range strings.Split(s.stderr.String(), "\n") {
		var entry struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "pprof listening" {
			pprofAddr = entry.Addr
		}
	}
	if pprofAddr == "" {
		t.Fatalf("no \"pprof listening\" log line; stderr %q", s.stderr.String())
	}
	resp, err := http.Get("http://" + pprofAddr + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatalf("GET pprof: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /debug/pprof/cmdline on the profiler = %d, want 200", resp.StatusCode)
	}
	if got := s.get(t, "/debug/pprof/cmdline"); got != http.StatusNotFound {
		t.Errorf("GET /debug/pprof/cmdline on the server = %d, want 404", got)
	}
}
