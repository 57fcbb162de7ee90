package server_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authbench/authbench/internal/testclock"
)

// clock is an injectable time source tests advance by hand, so nothing
// sleeps to wait out a TTL.
type clock = testclock.Clock

func newClock() *clock { return testclock.New(time.Now().Truncate(time.Second)) }

// client talks to one test server and keeps its cookies by hand, so tests
// can replay an old cookie, drop one or forge one exactly.
type client struct {
	tb      testing.TB
	base    string
	cookies map[string]*http.Cookie
}

func newClient(tb testing.TB, srv *httptest.Server) *client {
	return &client{tb: tb, base: srv.URL, cookies: map[string]*http.Cookie{}}
}

type response struct {
	code    int
	body    string
	header  http.Header
	cookies []*http.Cookie
}

// do sends a request with the client's current cookies plus extra headers
// and folds any Set-Cookie into the jar (Max-Age<0 deletes).
func (c *client) do(method, path, body string, hdr ...string) response {
	c.tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.tb.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, ck := range c.cookies {
		req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Cookie" {
			req.Header.Add("Cookie", hdr[i+1])
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, ck := range resp.Cookies() {
		if ck.MaxAge < 0 {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck
		}
	}
	return response{code: resp.StatusCode, body: string(bytes.TrimSpace(b)), header: resp.Header, cookies: resp.Cookies()}
}

func (c *client) login(user string) response {
	c.tb.Helper()
	return c.do(http.MethodPost, "/auth/login", `{"username":"`+user+`","password":"password"}`)
}

// snapshot copies the current cookies, for replaying later.
func (c *client) snapshot() map[string]*http.Cookie {
	m := make(map[string]*http.Cookie, len(c.cookies))
	for k, v := range c.cookies {
		cp := *v
		m[k] = &cp
	}
	return m
}

func (c *client) restore(m map[string]*http.Cookie) {
	c.cookies = map[string]*http.Cookie{}
	for k, v := range m {
		cp := *v
		c.cookies[k] = &cp
	}
}

func wantStatus(tb testing.TB, what string, got response, want int) {
	tb.Helper()
	if got.code != want {
		tb.Fatalf("%s: status %d, want %d (body %s)", what, got.code, want, got.body)
	}
}
