package loadtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/authbench/authbench"
	"github.com/authbench/authbench/jwtauth"
	"github.com/authbench/authbench/redisprov"
	"github.com/authbench/authbench/redisprov/redistest"
	"github.com/authbench/authbench/results"
	"github.com/authbench/authbench/server"
)

// inProcessLauncher serves each variant from an httptest server inside
// the test process: enough to exercise the runner without building the
// binary (the smoke test in cmd/authbench covers real processes).
type inProcessLauncher struct{ tb testing.TB }

func (l inProcessLauncher) Launch(_ context.Context, spec ServerSpec) (Server, error) {
	users, err := server.NewUsers(spec.Users, spec.Backend.Password, spec.Backend.BcryptCost)
	if err != nil {
		return nil, err
	}
	var b authbench.Backend = server.NoAuth{}
	if spec.Variant == "jwt" {
		keys, err := jwtauth.GenerateKeys(spec.Backend.Alg)
		if err != nil {
			return nil, err
		}
		if b, err = jwtauth.New(jwtauth.Config{Keys: keys, Issuer: "authbench", Audience: "authbench", AccessTTL: spec.Backend.AccessTTL.D(), RefreshTTL: spec.Backend.RefreshTTL.D()}); err != nil {
			return nil, err
		}
	} else if spec.Variant != "none" {
		return nil, errors.New("in-process launcher serves none and jwt only")
	}
	h, err := server.New(server.Config{Backend: b, Users: users})
	if err != nil {
		return nil, err
	}
	return &inProcessServer{httptest.NewServer(h)}, nil
}

type inProcessServer struct{ s *httptest.Server }

func (s *inProcessServer) URL() string { return s.s.URL }
func (s *inProcessServer) PID() int    { return 0 }
func (s *inProcessServer) Stop() error { s.s.Close(); return nil }

func testScenario(tb testing.TB, yaml string) *Scenario {
	tb.Helper()
	s, err := DecodeScenario("test.yaml", []byte(yaml))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func runInProcess(tb testing.TB, sc *Scenario) (*results.Results, string) {
	tb.Helper()
	rd := redistest.Private(tb)
	out := tb.TempDir()
	res, dir, err := Run(context.Background(), Config{
		Scenario: sc, ScenarioFile: "test.yaml", Out: out,
		Launcher: inProcessLauncher{tb}, Mode: "in-process",
		Redis: redisprov.Options{Addr: rd.Addr, Prefix: rd.Prefix},
	})
	if err != nil {
		tb.Fatalf("Run: %v", err)
	}
	if res == nil || dir == "" {
		tb.Fatal("Run returned no results")
	}
	return res, dir
}

func TestRunInProcess(t *testing.T) {
	sc := testScenario(t, `
variants: [none, jwt]
users: 20
mix: {me: 80, refresh: 10, login_logout: 10}
warmup: 200ms
duration: 1s
rates: [100]
pin: off
backend: {bcrypt_cost: 4}
`)
	_, dir := runInProcess(t, sc)
	got, err := results.Load(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Schema != results.Schema || got.Interrupted || got.Error != "" || got.RunID == "" {
		t.Errorf("header: schema %q interrupted %v error %q run %q", got.Schema, got.Interrupted, got.Error, got.RunID)
	}
	if got.Environment.GoVersion == "" || got.Environment.Cores < 1 || got.Environment.GitCommit == "" {
		t.Errorf("environment %+v", got.Environment)
	}
	if got.Redis.Label == "" || !got.Redis.Measured || got.BcryptCost != 4 || got.Target.Mode != "in-process" || got.Target.ServerCPUMeasured {
		t.Errorf("redis %+v bcrypt %d target %+v", got.Redis, got.BcryptCost, got.Target)
	}
	if got.Scenario.Users != 20 || len(got.Notes) == 0 {
		t.Errorf("scenario %+v notes %v", got.Scenario, got.Notes)
	}
	if len(got.Variants) != 2 {
		t.Fatalf("%d variants, want 2", len(got.Variants))
	}
	for _, v := range got.Variants {
		if v.Error != "" || v.Logins.Failures != 0 || v.Logins.Users != 20 || len(v.Steps) != 1 {
			t.Fatalf("%s: %+v", v.Variant, v)
		}
		st := v.Steps[0]
		if st.All.Requests < 50 || st.All.Success < 0.99 || st.All.Latency.P99 <= 0 {
			t.Errorf("%s: metrics %+v", v.Variant, st.All)
		}
		for _, r := range []string{results.RouteMe, results.RouteRefresh, results.RouteLogout} {
			if st.Routes[r].Requests == 0 {
				t.Errorf("%s: no %s requests: %v", v.Variant, r, st.Routes)
			}
		}
		if st.Server != nil {
			t.Errorf("%s: server CPU measured for an in-process server", v.Variant)
		}
		if st.Redis == nil || st.Redis.Commands != 0 {
			t.Errorf("%s: Redis cost %+v, want 0 commands (neither variant uses Redis)", v.Variant, st.Redis)
		}
		if st.Generator.CPUSeconds <= 0 {
			t.Errorf("%s: generator CPU %v", v.Variant, st.Generator)
		}
		// The raw file is vegeta's gob encoding, readable by vegeta.
		f, err := os.Open(filepath.Join(dir, st.RawFile))
		if err != nil {
			t.Fatal(err)
		}
		dec := vegeta.NewDecoder(f)
		var n uint64
		for {
			var r vegeta.Result
			if err := dec.Decode(&r); err != nil {
				break
			}
			n++
		}
		f.Close()
		if n != st.All.Requests {
			t.Errorf("%s: raw file holds %d results, metrics %d", v.Variant, n, st.All.Requests)
		}
	}
	if jwt := got.Variants[1].Steps[0].Routes[results.RouteMe]; jwt.StatusCodes["200"] != int(jwt.Requests) {
		t.Errorf("jwt /api/me codes %v: a virtual user sent stale or missing cookies", jwt.StatusCodes)
	}
	if target, err := os.Readlink(filepath.Join(filepath.Dir(dir), "latest")); err != nil || target != filepath.Base(dir) {
		t.Errorf("latest -> %q, %v; want %q", target, err, filepath.Base(dir))
	}
}

func TestRunGeneratorBound(t *testing.T) {
	// 1e6 requests per second from 4 workers cannot be held: the step
	// must say the generator, not the server, was the limit.
	sc := testScenario(t, `
variants: [none]
users: 10
mix: {me: 100}
duration: 1s
rates: [1000000]
pin: off
max_workers: 4
backend: {bcrypt_cost: 4}
`)
	res, _ := runInProcess(t, sc)
	st := res.Variants[0].Steps[0]
	if !st.GeneratorBound || !strings.Contains(st.GeneratorBoundReason, "fell behind") {
		t.Errorf("generator_bound %v %q, want flagged as fallen behind", st.GeneratorBound, st.GeneratorBoundReason)
	}
}

func TestRunInterrupted(t *testing.T) {
	sc := testScenario(t, `
variants: [none, jwt]
users: 5
mix: {me: 100}
duration: 30s
rates: [50]
pin: off
backend: {bcrypt_cost: 4}
`)
	rd := redistest.Private(t)
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	out := t.TempDir()
	res, dir, err := Run(ctx, Config{Scenario: sc, Out: out, Launcher: inProcessLauncher{t}, Mode: "in-process",
		Redis: redisprov.Options{Addr: rd.Addr, Prefix: rd.Prefix}})
	if err == nil {
		t.Fatal("Run after cancel: no error")
	}
	got, lerr := results.Load(filepath.Join(dir, "results.json"))
	if lerr != nil {
		t.Fatal(lerr)
	}
	// Both servers are prepared before any step (repetitions interleave
	// the variants); the cut came during none's first step, so jwt has
	// logged in but measured nothing.
	if !got.Interrupted || !res.Interrupted || len(got.Variants) != 2 ||
		len(got.Variants[0].Steps) != 1 || !got.Variants[0].Steps[0].Interrupted || len(got.Variants[1].Steps) != 0 {
		t.Errorf("interrupted %v, variants %d", got.Interrupted, len(got.Variants))
	}
}

// TestRunTarget runs a scenario against a server already running
// (--target): one variant, named by the caller; its CPU and Redis are not
// measured, and the results say so instead of showing zeros.
func TestRunTarget(t *testing.T) {
	srv, err := inProcessLauncher{t}.Launch(context.Background(), ServerSpec{Variant: "jwt", Users: 20,
		Backend: testScenario(t, "variants: [jwt]\nusers: 20\nmix: {me: 100}\nrates: [50]\nduration: 1s\nbackend: {bcrypt_cost: 4}\n").Backend})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop() })
	sc := testScenario(t, `
variants: [none, jwt, session]
users: 20
mix: {me: 90, refresh: 10}
duration: 1s
rates: [50]
pin: off
backend: {bcrypt_cost: 4}
`)
	res, _, err := Run(context.Background(), Config{Scenario: sc, Out: t.TempDir(), Target: srv.URL(), TargetVariant: "jwt"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Variants) != 1 || res.Variants[0].Variant != "jwt" {
		t.Fatalf("variants %v, want only the target's jwt", res.Variants)
	}
	v := res.Variants[0]
	if v.Logins.Failures != 0 || len(v.Steps) != 1 || v.Steps[0].All.Success != 1 {
		t.Fatalf("logins %+v, steps %d, success %v", v.Logins, len(v.Steps), v.Steps)
	}
	st := v.Steps[0]
	if st.Server != nil || st.Redis != nil || res.Target.Mode != "external" || res.Target.ServerCPUMeasured || res.Redis.Measured {
		t.Errorf("external target: server %v, redis %v, target %+v, redis measured %v; want nothing measured and said so", st.Server, st.Redis, res.Target, res.Redis.Measured)
	}
	if st.CredentialBytes == 0 {
		t.Error("credential bytes per request not recorded")
	}
	said := false
	for _, n := range res.Notes {
		said = said || strings.Contains(n, "not measured")
	}
	if !said {
		t.Errorf("notes %q do not say the server's CPU is unmeasured", res.Notes)
	}
}

// TestRunMaxConnections drives a server whose GET /api/me takes 20 ms at
// 200 req/s, which needs about 4 connections: unbounded, the generator
// opens them; with max_connections 2 it never holds more than 2, and the
// requests that waited for one carry that wait in their latency (2
// connections serve 100 req/s, so the queue grows through the step).
func TestRunMaxConnections(t *testing.T) {
	tests := []struct {
		name     string
		max      int
		wantMost func(int) bool
		wantP99  time.Duration // at least
	}{
		{"unbounded", 0, func(n int) bool { return n > 2 }, 20 * time.Millisecond},
		{"capped at 2", 2, func(n int) bool { return n <= 2 }, 300 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			users, err := server.NewUsers(5, "password", 4)
			if err != nil {
				t.Fatal(err)
			}
			h, err := server.New(server.Config{Backend: server.NoAuth{}, Users: users})
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			open, most := 0, 0
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/api/me" {
					time.Sleep(20 * time.Millisecond)
				}
				h.ServeHTTP(w, r)
			}))
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				mu.Lock()
				defer mu.Unlock()
				switch s {
				case http.StateNew:
					open++
					most = max(most, open)
				case http.StateClosed, http.StateHijacked:
					open--
				}
			}
			srv.Start()
			t.Cleanup(srv.Close)
			sc := testScenario(t, fmt.Sprintf(`
variants: [none]
users: 5
mix: {me: 100}
duration: 1s
rates: [200]
pin: off
max_connections: %d
backend: {bcrypt_cost: 4}
`, tt.max))
			res, _, err := Run(context.Background(), Config{Scenario: sc, Out: t.TempDir(), Target: srv.URL, TargetVariant: "none"})
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			n := most
			mu.Unlock()
			if !tt.wantMost(n) {
				t.Errorf("max_connections %d: the server saw %d connections at once", tt.max, n)
			}
			me := res.Variants[0].Steps[0].Routes[results.RouteMe]
			if p99 := time.Duration(me.Latency.P99); p99 < tt.wantP99 {
				t.Errorf("max_connections %d: GET /api/me p99 %v, want at least %v (a wait for a connection is latency)", tt.max, p99, tt.wantP99)
			}
			if res.Scenario.MaxConnections != tt.max {
				t.Errorf("results record max_connections %d, want %d", res.Scenario.MaxConnections, tt.max)
			}
		})
	}
}
