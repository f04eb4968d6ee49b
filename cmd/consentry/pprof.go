package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// flagPprof names the profiling listener of serve and demo.
const flagPprof = "pprof"

// servePprof serves Go's profiler (net/http/pprof) on addr until stop is called.
// The address must be a loopback one: profiles show request data in memory,
// so they are for the operator on the machine (and `consentry bench
// --profile`), never for the network. The handlers get their own mux, not
// http.DefaultServeMux, so nothing else registered there is exposed.
func servePprof(addr string, logger *slog.Logger) (stop func(), err error) {
	if err := checkLoopback(addr); err != nil {
		return nil, fmt.Errorf("--%s: %w", flagPprof, err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--%s: listen: %w", flagPprof, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("pprof listener failed", "err", err)
		}
	}()
	logger.Info("pprof listening", "addr", ln.Addr().String())
	return func() { _ = srv.Close() }, nil
}

// checkLoopback accepts host:port addresses on a loopback host.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: %w", addr, err)
	}
	if !isLoopbackHost(host) {
		return fmt.Errorf("address %q: the profiler listens on loopback only (127.0.0.1, ::1 or localhost)", addr)
	}
	return nil
}

// isLoopbackHost reports whether host is "localhost" or a loopback IP.
func isLoopbackHost(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}
