package web

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// defaultChromium is where Debian's chromium package puts the browser.
const defaultChromium = "/usr/bin/chromium"

// chromiumPath finds Chromium, or skips the test with instructions. With
// CONSENTRY_E2E=1 (as in CI) a missing browser fails the test instead.
func chromiumPath(t *testing.T) string {
	t.Helper()
	path := os.Getenv("CONSENTRY_CHROMIUM")
	if path == "" {
		path = defaultChromium
	}
	if _, err := os.Stat(path); err != nil {
		msg := fmt.Sprintf("browser tests need Chromium at %s (apt-get install -y chromium, or set CONSENTRY_CHROMIUM): %v", path, err)
		if os.Getenv("CONSENTRY_E2E") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg + "; set CONSENTRY_E2E=1 to make this a failure")
	}
	return path
}

// liveServer is the real server on a free loopback port, with its issuer set
// to the address it listens on, as a browser or OAuth client sees it.
type liveServer struct {
	*fixture
	base string
}

func startLive(t *testing.T, opts ...fixtureOption) *liveServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	base := "http://" + ln.Addr().String()
	f := newFixture(t, append(opts, withIssuer(base))...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.server.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return &liveServer{fixture: f, base: base}
}

// chrome is one headless Chromium tab that records every JavaScript
// exception and console or browser error (CSP violations among them).
type chrome struct {
	t   *testing.T
	ctx context.Context

	mu       sync.Mutex
	problems []problem
	// documents are the URLs of pages loaded as documents: a form page
	// answered with 422 is a normal page, not a failed resource.
	documents map[string]bool
}

type problem struct {
	text string
	url  string
}

func newChrome(t *testing.T) *chrome {
	t.Helper()
	exec := chromiumPath(t)
	tmp := t.TempDir()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exec),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(tmp),
		chromedp.Env("TMPDIR=" + tmp),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })

	c := &chrome{t: t, ctx: ctx, documents: map[string]bool{}}
	if err := chromedp.Listen(ctx, c.record); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return c
}

// record runs in chromedp's event loop: it only appends under a lock.
func (c *chrome) record(ev any) {
	var p problem
	switch ev := ev.(type) {
	case *network.EventResponseReceived:
		if ev.Type == network.ResourceTypeDocument {
			c.mu.Lock()
			c.documents[ev.Response.URL] = true
			c.mu.Unlock()
		}
	case *runtime.EventExceptionThrown:
		p.text = "exception: " + ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil {
			p.text += " " + ev.ExceptionDetails.Exception.Description
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, string(a.Value))
			}
			p.text = "console." + string(ev.Type) + ": " + strings.Join(parts, " ")
		}
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError {
			p = problem{text: "browser " + string(ev.Entry.Source) + " error: " + ev.Entry.Text, url: ev.Entry.URL}
		}
	}
	if p.text != "" {
		c.mu.Lock()
		c.problems = append(c.problems, p)
		c.mu.Unlock()
	}
}

// do runs actions and fails the test on error.
func (c *chrome) do(actions ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	if err := chromedp.Do(c.ctx, actions...); err != nil {
		c.t.Fatalf("browser: %v\nlast page: %s", err, c.location())
	}
}

// text returns the visible text of the first element matching a CSS selector.
func (c *chrome) text(css string) string {
	c.t.Helper()
	s, err := chromedp.Run(c.ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		c.t.Fatalf("browser: read text of %s: %v\nlast page: %s", css, err, c.location())
	}
	return s
}

func (c *chrome) location() string {
	loc, err := chromedp.Run(c.ctx, chromedp.Location())
	if err != nil {
		return "(unknown: " + err.Error() + ")"
	}
	return loc
}

// assertNoProblems fails the test if the pages raised any JavaScript or
// browser error so far.
func (c *chrome) assertNoProblems() {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.problems {
		if p.url != "" && c.documents[p.url] {
			continue
		}
		c.t.Errorf("page problem: %s %s", p.text, p.url)
	}
}

// signInThroughForm fills and submits the sign-in form on the current page
// and waits for the next page to load.
func (c *chrome) signInThroughForm(email, password string) {
	c.t.Helper()
	c.do(
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
	)
	c.submitAndWait(`form[action="/login"] button[type="submit"]`)
}

// submitAndWait clicks a submit button and waits for the resulting page.
func (c *chrome) submitAndWait(buttonCSS string) {
	c.t.Helper()
	if _, err := chromedp.RunResponse(c.ctx, chromedp.Click(chromedp.CSS(buttonCSS))); err != nil {
		c.t.Fatalf("browser: submit %s: %v\nlast page: %s", buttonCSS, err, c.location())
	}
}
