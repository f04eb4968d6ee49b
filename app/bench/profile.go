package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// profile starts taking a CPU profile of the server for about the timed
// part of a workload and returns a function that waits for it and writes
// it to ProfileDir/name.pprof. Without ProfileDir it does nothing.
func (d *driver) profile(ctx context.Context, t *target, name string) (wait func() error) {
	return d.profileFor(ctx, t, name, d.o.Duration)
}

// profileFor is profile for a time other than the run's duration.
func (d *driver) profileFor(ctx context.Context, t *target, name string, span time.Duration) (wait func() error) {
	if d.o.ProfileDir == "" || t.pprof == "" {
		return func() error { return nil }
	}
	seconds := int(math.Ceil(span.Seconds()))
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", t.pprof, seconds)
	path := filepath.Join(d.o.ProfileDir, name+".pprof")
	done := make(chan error, 1)
	go func() { done <- fetchTo(ctx, url, path) }()
	return func() error {
		if err := <-done; err != nil {
			return fmt.Errorf("profile %s: %w", name, err)
		}
		d.progressf("profile: %s", path)
		return nil
	}
}

// fetchTo saves the body of a GET of url in path.
func fetchTo(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// freeLoopbackAddr finds a free TCP port on 127.0.0.1 for a child's
// profiler. Another process could take it before the child binds it; the
// child then fails to start and says so.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a port for the profiler: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
