package bench

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"net/url"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

// The load driver speaks HTTP with fasthttp rather than net/http. Pinned,
// the driver has one core to the server's one, so its cost per request
// bounds what it can measure: against /healthz at concurrency 16 on the
// 2-core machine the figures were measured on, net/http's client spent
// 28 µs of CPU per request and kept the driver's core 89% busy, fasthttp's
// 19 µs and 74%. fasthttp already comes with Fiber, and each worker reuses
// one request and one response, so nothing is allocated per request but
// the URL and form a workload builds.

// requestTimeout bounds one request; the largest cascade takes well under it.
const requestTimeout = 60 * time.Second

// newHostClient is a keep-alive client for the server at base
// (http://host:port) with room for conns connections.
func newHostClient(base string, conns int) (*fasthttp.HostClient, error) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("server URL %q: want http://host:port", base)
	}
	return &fasthttp.HostClient{
		Addr:                u.Host,
		Name:                "consentry-bench",
		MaxConns:            conns,
		MaxConnWaitTimeout:  requestTimeout,
		ReadTimeout:         requestTimeout,
		WriteTimeout:        requestTimeout,
		MaxIdleConnDuration: time.Minute,
	}, nil
}

// conn is one worker's view of the server: a request and a response reused
// for every call, and, for a browser, its cookies.
type conn struct {
	hc   *fasthttp.HostClient
	base string
	req  *fasthttp.Request
	res  *fasthttp.Response
	// cookies is nil for machine clients, which send none.
	cookies map[string]string
}

func newConn(hc *fasthttp.HostClient, base string) *conn {
	return &conn{hc: hc, base: base, req: new(fasthttp.Request), res: new(fasthttp.Response)}
}

// newBrowser is a conn that keeps cookies like a browser.
func newBrowser(hc *fasthttp.HostClient, base string) *conn {
	c := newConn(hc, base)
	c.cookies = map[string]string{}
	return c
}

// do sends one request; auth is the Authorization header value or empty,
// form a URL-encoded body or nil. It returns the status; the body and
// headers are in c.res until the next call. Redirects are not followed.
func (c *conn) do(method, path, auth string, form []byte) (int, error) {
	req := c.req
	req.Reset()
	req.Header.SetMethod(method)
	req.SetRequestURI(c.base + path)
	if auth != "" {
		req.Header.Set(fasthttp.HeaderAuthorization, auth)
	}
	for name, value := range c.cookies {
		req.Header.SetCookie(name, value)
	}
	if form != nil {
		req.Header.SetContentType("application/x-www-form-urlencoded")
		req.SetBodyRaw(form)
	}
	c.res.Reset()
	if err := c.hc.Do(req, c.res); err != nil {
		return 0, fmt.Errorf("%s %s: %w", method, pathOnly(path), err)
	}
	if c.cookies != nil {
		c.keepCookies()
	}
	return c.res.StatusCode(), nil
}

func (c *conn) get(path, auth string) (int, error) { return c.do(fasthttp.MethodGet, path, auth, nil) }

func (c *conn) post(path, auth string, form url.Values) (int, error) {
	return c.do(fasthttp.MethodPost, path, auth, []byte(form.Encode()))
}

// keepCookies applies the response's Set-Cookie headers.
func (c *conn) keepCookies() {
	c.res.Header.VisitAllCookie(func(_, raw []byte) {
		var ck fasthttp.Cookie
		if ck.ParseBytes(raw) != nil {
			return
		}
		name := string(ck.Key())
		expired := !ck.Expire().Equal(fasthttp.CookieExpireUnlimited) && ck.Expire().Before(time.Now())
		if ck.MaxAge() < 0 || expired || len(ck.Value()) == 0 {
			delete(c.cookies, name)
			return
		}
		c.cookies[name] = string(ck.Value())
	})
}

// location is the response's Location header.
func (c *conn) location() string { return string(c.res.Header.Peek(fasthttp.HeaderLocation)) }

// unexpected describes a response that is not what the workload expected.
func (c *conn) unexpected(step string, status int) error {
	body := c.res.Body()
	if len(body) > 200 {
		body = body[:200]
	}
	return fmt.Errorf("%s: status %d: %s", step, status, bytes.TrimSpace(body))
}

// basicAuth is the client_secret_basic header value (RFC 6749 §2.3.1:
// both parts form-encoded first).
func basicAuth(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

// formField finds the value of the first input named name in an HTML page.
func formField(page []byte, name string) (string, bool) {
	marker := []byte(`name="` + name + `" value="`)
	i := bytes.Index(page, marker)
	if i < 0 {
		return "", false
	}
	rest := page[i+len(marker):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return "", false
	}
	return html.UnescapeString(string(rest[:end])), true
}

// pathOnly drops the query, which may carry codes, from a path for errors.
func pathOnly(path string) string {
	before, _, _ := strings.Cut(path, "?")
	return before
}
