package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authbench/authbench/redisprov"
)

func TestServeFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // substring of the error
	}{
		{"unknown backend", []string{"--backend", "ldap"}, `--backend "ldap"`},
		{"unknown backend lists every variant", []string{"--backend", "sessions"}, "none, jwt, jwt-short, jwt-epoch, jwt-blacklist-cached, jwt-blacklist, session-cached, session, session-memory"},
		{"cached variant on a cluster", []string{"--backend", "session-cached", "--redis-addrs", "127.0.0.1:2"}, "single Redis only"},
		{"zero staleness", []string{"--max-staleness", "0s"}, "--max-staleness 0s"},
		{"short ttl under a second", []string{"--short-ttl", "500ms"}, "--short-ttl 500ms"},
		{"debug-runtime takes no value", []string{"--debug-runtime=yes"}, "debug-runtime"},
		{"unknown flag", []string{"--nope"}, "flag provided but not defined: -nope"},
		{"bad duration", []string{"--access-ttl", "15"}, "access-ttl"},
		{"negative ttl", []string{"--access-ttl", "-1m"}, "--access-ttl -1m0s"},
		{"tls half", []string{"--tls-cert", "c.pem"}, "--tls-cert and --tls-key"},
		{"no users", []string{"--users", "0"}, "--users 0"},
		{"absolute shorter than idle", []string{"--idle-timeout", "1h", "--absolute-timeout", "1m"}, "--absolute-timeout"},
		{"stray argument", []string{"extra"}, `unexpected argument "extra"`},
		{"one redis and a cluster", []string{"--redis-addr", "127.0.0.1:1", "--redis-addrs", "127.0.0.1:2,127.0.0.1:3"}, "not both"},
		{"cluster address not host:port", []string{"--redis-addrs", "127.0.0.1:2,nope"}, `"nope" is not host:port`},
		{"cluster list with an empty element", []string{"--redis-addrs", "127.0.0.1:2,"}, `--redis-addrs "127.0.0.1:2,"`},
		{"prefix with a hash-tag bracket", []string{"--redis-prefix", "app{1}:"}, "--redis-prefix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := run(context.Background(), append([]string{"serve"}, tt.args...), &out, &errb)
			var u usageError
			if !errors.As(err, &u) {
				t.Fatalf("err = %v, want a usage error", err)
			}
			if exitCode(err) != 2 {
				t.Errorf("exit code %d, want 2", exitCode(err))
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {}} {
		var out bytes.Buffer
		if err := run(context.Background(), args, &out, io.Discard); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if !strings.Contains(out.String(), "serve") {
			t.Errorf("%v: usage lists no serve command:\n%s", args, out.String())
		}
	}
	var out bytes.Buffer
	err := run(context.Background(), []string{"serve", "--help"}, &out, io.Discard)
	if err == nil || !strings.Contains(out.String(), "--bcrypt-cost") || !strings.Contains(out.String(), "jwt-blacklist") ||
		!strings.Contains(out.String(), "  session-memory ") || !strings.Contains(out.String(), "-debug-runtime") {
		t.Errorf("serve --help: err=%v, output lacks the flags or backends:\n%s", err, out.String())
	}
	if err := run(context.Background(), []string{"frobnicate"}, io.Discard, io.Discard); exitCode(err) != 2 {
		t.Errorf("unknown command: %v, want exit code 2", err)
	}
}

// runningServe is an "authbench serve" running in-process.
type runningServe struct {
	base    string      // http://127.0.0.1:<port>
	printed string      // stdout up to and including the listening line
	stderr  *syncBuffer // everything it wrote to stderr
}

// syncBuffer is a bytes.Buffer safe to write from serve's goroutines and
// read from the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs "authbench serve" in-process with args, on a free
// loopback port with 5 users and the cheapest bcrypt cost, and waits for
// its listening line. At cleanup it shuts the server down the way SIGINT
// would and fails the test unless serve then returns nil.
func startServe(t *testing.T, args ...string) runningServe {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	args = append([]string{"serve", "--addr", "127.0.0.1:0", "--bcrypt-cost", "4", "--users", "5"}, args...)
	go func() {
		done <- run(ctx, args, pw, stderr)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	var printed strings.Builder
	var base string
	for sc.Scan() {
		printed.WriteString(sc.Text() + "\n")
		if _, after, ok := strings.Cut(sc.Text(), "listening on "); ok {
			base = after
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if base == "" {
		cancel()
		t.Fatalf("serve %v printed no listening line: %v\nstdout:\n%sstderr:\n%s", args, <-done, printed.String(), stderr)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v after shutdown", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("serve did not shut down")
		}
	})
	return runningServe{base: base, printed: printed.String(), stderr: stderr}
}

// httpResult is what a test needs of a response.
type httpResult struct {
	code    int
	body    string
	header  http.Header
	cookies []*http.Cookie
}

// send makes one request to srv with the given cookies.
func (srv runningServe) send(t *testing.T, method, path, body string, cookies ...*http.Cookie) httpResult {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, c := range cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return httpResult{code: resp.StatusCode, body: strings.TrimSpace(string(b)), header: resp.Header, cookies: resp.Cookies()}
}

// TestServe runs "authbench serve" in-process on a free port for the
// stateless backend (no Redis needed), logs in, and shuts it down the way
// SIGINT would.
func TestServe(t *testing.T) {
	srv := startServe(t, "--backend", "jwt")
	r := srv.send(t, http.MethodPost, "/auth/login", `{"username":"user-4","password":"password"}`)
	if r.code != http.StatusOK || len(r.cookies) != 2 {
		t.Fatalf("login: %d with %d cookies", r.code, len(r.cookies))
	}
}

// TestServeOnCluster serves the two stateful backends on a real local
// Redis Cluster given with --redis-addrs, as a user would after starting
// one by hand: login, /api/me, logout, and the logged-out cookie refused.
func TestServeOnCluster(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("no redis-server on PATH: a local cluster needs it (apt-get install redis-server)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cl, err := redisprov.StartCluster(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cl.Close() })
	for _, backend := range []string{"session", "jwt-blacklist"} {
		t.Run(backend, func(t *testing.T) {
			srv := startServe(t, "--backend", backend, "--redis-addrs", strings.Join(cl.Addrs, ","))
			if !strings.Contains(srv.printed, "given Redis Cluster "+strings.Join(cl.Addrs, ",")) {
				t.Errorf("serve did not say which cluster it uses:\n%s", srv.printed)
			}
			r := srv.send(t, http.MethodPost, "/auth/login", `{"username":"user-3","password":"password"}`)
			if r.code != http.StatusOK {
				t.Fatalf("login: %d %s", r.code, r.body)
			}
			login := r.cookies
			if r = srv.send(t, http.MethodGet, "/api/me", "", login...); r.code != http.StatusOK || r.body != `{"user":"user-3"}` {
				t.Fatalf("me: %d %s", r.code, r.body)
			}
			if r = srv.send(t, http.MethodPost, "/auth/logout", "", login...); r.code != http.StatusNoContent {
				t.Fatalf("logout: %d %s", r.code, r.body)
			}
			if r = srv.send(t, http.MethodGet, "/api/me", "", login...); r.code != http.StatusUnauthorized {
				t.Fatalf("me with the logged-out cookie: %d %s, want 401", r.code, r.body)
			}
		})
	}
}

// TestServeCachedVariants serves the variants that read Redis through
// go-redis's client-side cache on a redis-server serve starts itself:
// login, /api/me twice (the second from the cache), logout, and the
// logged-out credential refused within --max-staleness.
func TestServeCachedVariants(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("no redis-server on PATH (apt-get install redis-server)")
	}
	t.Setenv("REDIS_ADDR", "")
	t.Setenv("DOCKER_HOST", "unix:///nonexistent") // a local redis-server, not a container
	const staleness = 300 * time.Millisecond
	for _, backend := range []string{"jwt-epoch", "jwt-blacklist-cached", "session-cached"} {
		t.Run(backend, func(t *testing.T) {
			srv := startServe(t, "--backend", backend, "--max-staleness", staleness.String())
			r := srv.send(t, http.MethodPost, "/auth/login", `{"username":"user-2","password":"password"}`)
			if r.code != http.StatusOK {
				t.Fatalf("login: %d %s", r.code, r.body)
			}
			login := r.cookies
			for range 2 {
				if r = srv.send(t, http.MethodGet, "/api/me", "", login...); r.code != http.StatusOK {
					t.Fatalf("me: %d %s", r.code, r.body)
				}
			}
			if r = srv.send(t, http.MethodPost, "/auth/logout", "", login...); r.code != http.StatusNoContent {
				t.Fatalf("logout: %d %s", r.code, r.body)
			}
			loggedOut := time.Now()
			for {
				asked := time.Now()
				r = srv.send(t, http.MethodGet, "/api/me", "", login...)
				if r.code == http.StatusUnauthorized {
					break
				}
				if asked.Sub(loggedOut) > staleness {
					t.Fatalf("logged-out credential still answered %d %v after logout, past --max-staleness %v", r.code, asked.Sub(loggedOut), staleness)
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
}

// TestServeSessionMemory serves --backend session-memory, which must not
// look for a Redis at all: --redis-addr names an address nothing listens
// on, which would make serve fail if it tried. The session flags apply to
// it as to session.
func TestServeSessionMemory(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	keyFile := filepath.Join(t.TempDir(), "session.key")
	if err := os.WriteFile(keyFile, []byte("0123456789abcdef0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
	}{
		{"signed, generated key", nil},
		{"signed, key file", []string{"--session-key-file", keyFile}},
		{"unsigned, other timeouts", []string{"--session-unsigned", "--idle-timeout", "5m", "--absolute-timeout", "1h", "--refresh-interval", "2m"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServe(t, append([]string{"--backend", "session-memory", "--redis-addr", dead}, tt.args...)...)
			if strings.Contains(srv.printed, "redis") || strings.Contains(srv.stderr.String(), "redis") {
				t.Errorf("session-memory mentioned Redis:\nstdout:\n%sstderr:\n%s", srv.printed, srv.stderr)
			}
			if r := srv.send(t, http.MethodGet, "/healthz", ""); r.code != http.StatusOK || r.body != `{"status":"ok","backend":"session-memory"}` {
				t.Errorf("healthz: %d %s", r.code, r.body)
			}
			login := srv.send(t, http.MethodPost, "/auth/login", `{"username":"user-4","password":"password"}`)
			if login.code != http.StatusOK || len(login.cookies) != 1 || login.cookies[0].Name != "session" {
				t.Fatalf("login: %d with cookies %v, want 200 and one session cookie", login.code, login.cookies)
			}
			if r := srv.send(t, http.MethodGet, "/api/me", "", login.cookies...); r.code != http.StatusOK || r.body != `{"user":"user-4"}` {
				t.Errorf("me: %d %s", r.code, r.body)
			}
			if r := srv.send(t, http.MethodPost, "/auth/logout", "", login.cookies...); r.code != http.StatusNoContent {
				t.Errorf("logout: %d %s", r.code, r.body)
			}
			if r := srv.send(t, http.MethodGet, "/api/me", "", login.cookies...); r.code != http.StatusUnauthorized {
				t.Errorf("me with the logged-out cookie: %d %s, want 401", r.code, r.body)
			}
		})
	}
}

// TestServeDebugRuntime checks --debug-runtime: without it GET
// /debug/runtime is the handler set's 404; with it the route reports this
// process's PID (serve runs in-process) and a goroutine count, and every
// other request still reaches the handler set.
func TestServeDebugRuntime(t *testing.T) {
	tests := []struct {
		name  string
		flag  bool
		check func(t *testing.T, srv runningServe)
	}{
		{"off", false, func(t *testing.T, srv runningServe) {
			r := srv.send(t, http.MethodGet, debugRuntimePath, "")
			if r.code != http.StatusNotFound || r.body != `{"error":"not found"}` {
				t.Errorf("GET %s: %d %s, want the handler set's 404", debugRuntimePath, r.code, r.body)
			}
			if strings.Contains(srv.stderr.String(), "debug-runtime") {
				t.Errorf("a warning about --debug-runtime without it: %s", srv.stderr)
			}
		}},
		{"on", true, func(t *testing.T, srv runningServe) {
			r := srv.send(t, http.MethodGet, debugRuntimePath, "")
			if r.code != http.StatusOK || r.header.Get("Content-Type") != "application/json" {
				t.Fatalf("GET %s: %d %s (%s), want 200 JSON", debugRuntimePath, r.code, r.body, r.header.Get("Content-Type"))
			}
			var got map[string]int
			if err := json.Unmarshal([]byte(r.body), &got); err != nil {
				t.Fatalf("body %s: %v", r.body, err)
			}
			if len(got) != 2 || got["pid"] != os.Getpid() || got["goroutines"] < 1 {
				t.Errorf("body %s, want exactly pid %d and a positive goroutine count", r.body, os.Getpid())
			}
			if !strings.Contains(srv.stderr.String(), "WARNING: --debug-runtime") {
				t.Errorf("no warning on stderr: %q", srv.stderr)
			}
			for _, tt := range []struct{ method, path string }{
				{http.MethodPost, debugRuntimePath},
				{http.MethodGet, debugRuntimePath + "/"},
				{http.MethodGet, "/debug/runtime2"},
			} {
				if r := srv.send(t, tt.method, tt.path, ""); r.code != http.StatusNotFound || r.body != `{"error":"not found"}` {
					t.Errorf("%s %s: %d %s, want the handler set's 404", tt.method, tt.path, r.code, r.body)
				}
			}
			if r := srv.send(t, http.MethodGet, "/healthz", ""); r.code != http.StatusOK || r.body != `{"status":"ok","backend":"jwt"}` {
				t.Errorf("healthz behind the wrapper: %d %s", r.code, r.body)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"--backend", "jwt"}
			if tt.flag {
				args = append(args, "--debug-runtime")
			}
			tt.check(t, startServe(t, args...))
		})
	}
}
