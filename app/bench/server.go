package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// childSessionKey is the --session-key of the servers the bench starts. The
// bench signs in through the login form like a person, so nothing depends
// on its value; fixing it only saves the server generating one.
const childSessionKey = "consentry-bench-session-key-not-a-secret"

const (
	// childStartTimeout bounds the wait for a child to be ready.
	childStartTimeout = 30 * time.Second
	// childStopGrace is how long a child may take to stop on SIGTERM
	// before it is killed; the server's own grace is 10 s.
	childStopGrace = 15 * time.Second
	// startPoll is how often start-up is polled: the start-up time is
	// exact to about this.
	startPoll = time.Millisecond
)

// child is `consentry serve` running as a child process, its log (JSON on
// stderr) going to a file so that the driver spends nothing reading it.
type child struct {
	cmd     *exec.Cmd
	logPath string
	base    string
	startup time.Duration
	done    chan struct{}
}

// startChild runs argv (the consentry binary and its arguments, perhaps
// behind taskset) and waits until it logs "listening" and /readyz answers
// 200. The start-up time runs from exec to that answer.
func startChild(ctx context.Context, argv []string, logPath string) (*child, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("server log: %w", err)
	}
	c := &child{logPath: logPath, done: make(chan struct{})}
	c.cmd = exec.Command(argv[0], argv[1:]...)
	c.cmd.Stdout, c.cmd.Stderr = logFile, logFile
	started := time.Now()
	err = c.cmd.Start()
	// The child holds its own descriptor now.
	logFile.Close()
	if err != nil {
		return nil, fmt.Errorf("start server: %w", err)
	}
	go func() {
		_ = c.cmd.Wait()
		close(c.done)
	}()
	if err := c.waitReady(ctx, started); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

func (c *child) pid() int { return c.cmd.Process.Pid }

func (c *child) waitReady(ctx context.Context, started time.Time) error {
	deadline := started.Add(childStartTimeout)
	probe := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: time.Second}
	for {
		select {
		case <-c.done:
			return fmt.Errorf("server exited while starting (%v):\n%s", c.cmd.ProcessState, c.logTail())
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server not ready after %v:\n%s", childStartTimeout, c.logTail())
		}
		if c.base == "" {
			c.base = listeningAddr(c.logPath)
		}
		if c.base != "" {
			if res, err := probe.Get(c.base + "/readyz"); err == nil {
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					c.startup = time.Since(started)
					return nil
				}
			}
		}
		time.Sleep(startPoll)
	}
}

// listeningAddr reads the server's "listening" log line for the address it
// bound, as http://host:port; empty while there is none yet.
func listeningAddr(logPath string) string {
	raw, err := os.ReadFile(logPath)
	if err != nil {
		return ""
	}
	for line := range bytes.Lines(raw) {
		var entry struct{ Msg, Addr string }
		if json.Unmarshal(line, &entry) == nil && entry.Msg == "listening" && entry.Addr != "" {
			return "http://" + entry.Addr
		}
	}
	return ""
}

// logTail is the end of the server's log, for errors.
func (c *child) logTail() string {
	raw, _ := os.ReadFile(c.logPath)
	if len(raw) > 4000 {
		raw = raw[len(raw)-4000:]
	}
	return string(raw)
}

// stop asks the server to shut down gracefully and kills it if it does not.
func (c *child) stop() {
	select {
	case <-c.done:
		return
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(childStopGrace):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// errorLogs counts the lines the server logged at ERROR and keeps the
// first few.
func errorLogs(logPath string) (int, []string) {
	f, err := os.Open(logPath)
	if err != nil {
		return 0, nil
	}
	defer f.Close()
	var (
		n     int
		first []string
	)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		if bytes.Contains(sc.Bytes(), []byte(`"level":"ERROR"`)) {
			n++
			if len(first) < maxErrorSamples {
				first = append(first, sc.Text())
			}
		}
	}
	return n, first
}

// procStatus reads one "kB" field (VmRSS, VmHWM) of /proc/<pid>/status in
// bytes; false when the process or /proc cannot be read.
func procStatus(pid int, field string) (int64, bool) {
	if pid <= 0 {
		return 0, false
	}
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, false
	}
	return parseStatusField(raw, field)
}

// parseStatusField finds "field:   123 kB" in a /proc status file.
func parseStatusField(raw []byte, field string) (int64, bool) {
	for line := range bytes.Lines(raw) {
		name, rest, ok := bytes.Cut(line, []byte(":"))
		if !ok || string(name) != field {
			continue
		}
		parts := bytes.Fields(rest)
		if len(parts) != 2 || string(parts[1]) != "kB" {
			return 0, false
		}
		kb, err := strconv.ParseInt(string(parts[0]), 10, 64)
		if err != nil {
			return 0, false
		}
		return kb * 1024, true
	}
	return 0, false
}

// rssSampler records the highest RSS of a process while a workload runs.
type rssSampler struct {
	stopc chan struct{}
	wg    sync.WaitGroup
	peak  int64
}

// rssEvery is the sampling period: cheap (one small read) and fine enough
// for workloads of seconds.
const rssEvery = 10 * time.Millisecond

func sampleRSS(pid int) *rssSampler { return sampleRSSEvery(pid, rssEvery) }

// sampleRSSEvery is sampleRSS at another period.
func sampleRSSEvery(pid int, every time.Duration) *rssSampler {
	s := &rssSampler{stopc: make(chan struct{})}
	if pid <= 0 {
		return s
	}
	s.wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if v, ok := procStatus(pid, "VmRSS"); ok {
				s.peak = max(s.peak, v)
			}
			select {
			case <-s.stopc:
				return
			case <-t.C:
			}
		}
	})
	return s
}

// stop ends sampling and returns the peak; 0 when nothing could be read.
func (s *rssSampler) stop() int64 {
	close(s.stopc)
	s.wg.Wait()
	return s.peak
}
