package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestProfileSavesTheServersCPUProfile(t *testing.T) {
	var asked string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = r.URL.String()
		_, _ = w.Write([]byte("profile bytes"))
	}))
	defer srv.Close()
	dir := t.TempDir()
	d := &driver{o: Options{ProfileDir: dir, Duration: 1500 * time.Millisecond}}
	wait := d.profile(context.Background(), &target{pprof: strings.TrimPrefix(srv.URL, "http://")}, "flow-c8")
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	if asked != "/debug/pprof/profile?seconds=2" {
		t.Errorf("asked for %q, want a 2 s CPU profile (the duration rounded up)", asked)
	}
	got, err := os.ReadFile(filepath.Join(dir, "flow-c8.pprof"))
	if err != nil || string(got) != "profile bytes" {
		t.Errorf("saved profile = %q, %v", got, err)
	}
}

func TestProfileReportsAFailedFetch(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	d := &driver{o: Options{ProfileDir: t.TempDir(), Duration: time.Second}}
	err := d.profile(context.Background(), &target{pprof: strings.TrimPrefix(srv.URL, "http://")}, "flow-c1")()
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("profile of a server without a profiler: err = %v, want the 404 named", err)
	}
}

func TestNoProfileWithoutADirectory(t *testing.T) {
	d := &driver{o: Options{Duration: time.Second}}
	if err := d.profile(context.Background(), &target{pprof: "127.0.0.1:1"}, "x")(); err != nil {
		t.Errorf("profile without ProfileDir: %v, want nothing done", err)
	}
}
