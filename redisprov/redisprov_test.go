package redisprov

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// startT starts a Redis with opts and closes it at cleanup. It skips when
// opts needs a redis-server and none is on PATH.
func startT(tb testing.TB, opts Options) *Redis {
	tb.Helper()
	if !opts.NoLocal && opts.Addr == "" {
		if _, err := exec.LookPath("redis-server"); err != nil {
			tb.Skipf("needs redis-server on PATH (apt-get install redis-server): %v", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := Start(ctx, opts)
	if err != nil {
		tb.Fatalf("Start(%+v): %v", opts, err)
	}
	tb.Cleanup(func() {
		if err := r.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return r
}

// localT starts a redis-server of our own.
func localT(tb testing.TB) *Redis {
	tb.Helper()
	return startT(tb, Options{NoContainers: true, NoEmbedded: true})
}

// unusedAddr returns a loopback address nobody listens on (a moment ago).
func unusedAddr(tb testing.TB) string {
	tb.Helper()
	port, err := freePort()
	if err != nil {
		tb.Fatal(err)
	}
	return "127.0.0.1:" + strconv.Itoa(port)
}

func ping(r *Redis) error {
	c := r.Client()
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return c.Ping(ctx).Err()
}

func TestStartGiven(t *testing.T) {
	own := localT(t)
	dead := unusedAddr(t)
	tests := []struct {
		name        string
		addr        string
		ctxTimeout  time.Duration
		wantErrText string // "" means no error; otherwise a substring the error must hold
	}{
		{name: "answers", addr: own.Addr},
		{name: "does not answer", addr: dead, wantErrText: dead},
		{name: "does not answer before ctx ends", addr: dead, ctxTimeout: 200 * time.Millisecond, wantErrText: dead},
		{name: "not host:port", addr: "localhost", wantErrText: `"localhost"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			if tt.ctxTimeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.ctxTimeout)
				defer cancel()
			}
			var log strings.Builder
			start := time.Now()
			r, err := Start(ctx, Options{Addr: tt.addr, Log: &log})
			if took := time.Since(start); took > givenTimeout+time.Second {
				t.Errorf("Start took %v, want at most about %v", took, givenTimeout)
			}
			if (err != nil) != (tt.wantErrText != "") || (err != nil && !strings.Contains(err.Error(), tt.wantErrText)) {
				t.Fatalf("Start(Addr: %q) error = %v, want one containing %q", tt.addr, err, tt.wantErrText)
			}
			if err != nil {
				return
			}
			defer r.Close()
			if r.Kind != KindGiven || r.Addr != tt.addr || r.Version != own.Version {
				t.Errorf("got Kind %q Addr %q Version %q, want %q %q %q", r.Kind, r.Addr, r.Version, KindGiven, tt.addr, own.Version)
			}
			if want := "redis: using given address " + tt.addr; !strings.HasPrefix(log.String(), want) {
				t.Errorf("log = %q, want it to start with %q", log.String(), want)
			}
		})
	}
}

func TestStartFallsThrough(t *testing.T) {
	skipIfDocker := ""
	if DockerEngine(context.Background()) == nil {
		skipIfDocker = "a Docker engine answers, so containers are chosen"
	}
	tests := []struct {
		name     string
		opts     Options
		skip     string // non-empty: skip with this reason
		wantKind Kind
		wantLog  []string
	}{
		{
			name:     "containers disabled",
			opts:     Options{NoContainers: true},
			wantKind: KindLocal,
			wantLog:  []string{"containers disabled; using redis-server 7"},
		},
		{
			name:     "no Docker engine",
			opts:     Options{},
			skip:     skipIfDocker,
			wantKind: KindLocal,
			wantLog:  []string{"no Docker engine (", "; using redis-server"},
		},
		{
			name:     "embedded",
			opts:     Options{NoContainers: true, NoLocal: true},
			wantKind: KindEmbedded,
			wantLog:  []string{"redis-server disabled; using EMBEDDED miniredis"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.skip != "" {
				t.Skip(tt.skip)
			}
			var log strings.Builder
			tt.opts.Log = &log
			r := startT(t, tt.opts)
			if r.Kind != tt.wantKind {
				t.Errorf("Kind = %q, want %q", r.Kind, tt.wantKind)
			}
			for _, want := range tt.wantLog {
				if !strings.Contains(log.String(), want) {
					t.Errorf("log = %q, want it to contain %q", log.String(), want)
				}
			}
			if n := strings.Count(log.String(), "\n"); n != 1 {
				t.Errorf("log has %d lines, want 1: %q", n, log.String())
			}
			if !strings.HasPrefix(r.Prefix, DefaultPrefixBase) || len(r.Prefix) != len(DefaultPrefixBase)+9 {
				t.Errorf("Prefix = %q, want %q and 8 hex digits and a colon", r.Prefix, DefaultPrefixBase)
			}
			if err := ping(r); err != nil {
				t.Errorf("PING: %v", err)
			}
		})
	}
}

func TestStartNothingAllowed(t *testing.T) {
	_, err := Start(context.Background(), Options{NoContainers: true, NoLocal: true, NoEmbedded: true})
	want := "no Redis available: containers disabled; redis-server disabled; embedded store disabled"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Start error = %v, want one containing %q", err, want)
	}
}

func TestStartContainer(t *testing.T) {
	if err := DockerEngine(context.Background()); err != nil {
		t.Skipf("no Docker engine answers, so no container: %v", err)
	}
	var log strings.Builder
	r := startT(t, Options{NoLocal: true, NoEmbedded: true, Log: &log})
	if r.Kind != KindContainer {
		t.Fatalf("Kind = %q, want %q (log %q)", r.Kind, KindContainer, log.String())
	}
	if err := ping(r); err != nil {
		t.Errorf("PING: %v", err)
	}
	if err := r.Stop(); !errors.Is(err, ErrNotOwned) {
		t.Errorf("Stop() = %v, want %v", err, ErrNotOwned)
	}
}

func TestStopStart(t *testing.T) {
	tests := []struct {
		name     string
		opts     Options
		wantKind Kind
		keepData bool // whether a key survives the outage
	}{
		{name: "redis-server", opts: Options{NoContainers: true, NoEmbedded: true}, wantKind: KindLocal, keepData: false},
		{name: "embedded", opts: Options{NoContainers: true, NoLocal: true}, wantKind: KindEmbedded, keepData: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := startT(t, tt.opts)
			if r.Kind != tt.wantKind {
				t.Fatalf("Kind = %q, want %q", r.Kind, tt.wantKind)
			}
			ctx := context.Background()
			c := r.Client()
			defer c.Close()
			key := r.Prefix + "k"
			if err := c.Set(ctx, key, "v", 0).Err(); err != nil {
				t.Fatalf("SET: %v", err)
			}

			if err := r.Stop(); err != nil {
				t.Fatalf("Stop: %v", err)
			}
			if err := r.Stop(); err != nil {
				t.Errorf("second Stop = %v, want nil", err)
			}
			start := time.Now()
			if err := c.Ping(ctx).Err(); err == nil {
				t.Fatal("PING after Stop succeeded, want an error")
			}
			if took := time.Since(start); took > time.Second {
				t.Errorf("failing PING took %v; the client must fail fast", took)
			}

			addr := r.Addr
			if err := r.Start(); err != nil {
				t.Fatalf("Start: %v", err)
			}
			if err := r.Start(); err != nil {
				t.Errorf("second Start = %v, want nil", err)
			}
			if r.Addr != addr {
				t.Errorf("Addr after Start = %q, want the same %q", r.Addr, addr)
			}
			// The pool's connections died with the server; the first
			// command on a dead pooled connection may still fail.
			var err error
			for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				if err = c.Ping(ctx).Err(); err == nil {
					break
				}
			}
			if err != nil {
				t.Fatalf("PING after Start: %v", err)
			}
			n, err := c.Exists(ctx, key).Result()
			if err != nil {
				t.Fatalf("EXISTS: %v", err)
			}
			if got := n == 1; got != tt.keepData {
				t.Errorf("key survived the outage = %v, want %v", got, tt.keepData)
			}
		})
	}
}

func TestStopStartNotOwned(t *testing.T) {
	own := localT(t)
	given := startT(t, Options{Addr: own.Addr})
	closed := localT(t)
	if err := closed.Close(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		r       *Redis
		wantErr error
	}{
		{name: "given", r: given, wantErr: ErrNotOwned},
		{name: "closed", r: closed, wantErr: ErrClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for method, f := range map[string]func() error{"Stop": tt.r.Stop, "Start": tt.r.Start} {
				err := f()
				if (err != nil) != (tt.wantErr != nil) || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
					t.Errorf("%s() = %v, want %v", method, err, tt.wantErr)
				}
			}
		})
	}
	if err := ping(own); err != nil {
		t.Errorf("the given Redis must be untouched: PING: %v", err)
	}
}

func TestCloseGivenDeletesOnlyPrefix(t *testing.T) {
	own := localT(t)
	ctx := context.Background()
	c := own.Client()
	defer c.Close()

	tests := []struct {
		name    string
		prefix  string
		inside  int      // keys written under the prefix
		outside []string // keys that must survive
	}{
		{name: "many keys, several SCAN batches", prefix: "run1:", inside: 2*scanBatch + 17, outside: []string{"run2:1", "run1", "other"}},
		{name: "glob characters in the prefix", prefix: "a*[b]?:", inside: 3, outside: []string{"aX[b]?:1", "ab?:1", "a*b:1"}},
		{name: "no keys", prefix: "empty:", inside: 0, outside: []string{"empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pipe := c.Pipeline()
			for i := range tt.inside {
				pipe.Set(ctx, tt.prefix+strconv.Itoa(i), "x", 0)
			}
			for _, k := range tt.outside {
				pipe.Set(ctx, k, "keep", 0)
			}
			if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
				t.Fatalf("seed keys: %v", err)
			}

			given, err := Start(ctx, Options{Addr: own.Addr, Prefix: tt.prefix})
			if err != nil {
				t.Fatal(err)
			}
			if err := given.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if err := given.Close(); err != nil {
				t.Errorf("second Close = %v, want nil", err)
			}

			left, err := c.Keys(ctx, escapeGlob(tt.prefix)+"*").Result()
			if err != nil {
				t.Fatal(err)
			}
			if len(left) != 0 {
				t.Errorf("%d keys under %q survived Close, want none (e.g. %q)", len(left), tt.prefix, left[0])
			}
			for _, k := range tt.outside {
				if got, err := c.Get(ctx, k).Result(); err != nil || got != "keep" {
					t.Errorf("key %q outside the prefix: got %q, %v; want it kept", k, got, err)
				}
			}
		})
	}
}

func TestDeletePrefixRefusesEmpty(t *testing.T) {
	r := startT(t, Options{NoContainers: true, NoLocal: true})
	c := r.Client()
	defer c.Close()
	ctx := context.Background()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := DeletePrefix(ctx, c, ""); err == nil {
		t.Fatal("DeletePrefix with an empty prefix succeeded, want an error")
	}
	if n, _ := c.Exists(ctx, "k").Result(); n != 1 {
		t.Error("key deleted by a refused DeletePrefix")
	}
}

func TestCloseLocalRemovesEverything(t *testing.T) {
	r := localT(t)
	dir := r.local.dir
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("temporary folder: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary folder %s after Close: %v, want it removed", dir, err)
	}
	if err := ping(r); err == nil {
		t.Error("PING after Close succeeded, want the server gone")
	}
}

func TestEmbedded(t *testing.T) {
	r := startT(t, Options{NoContainers: true, NoLocal: true, Prefix: "p:"})
	if r.Kind != KindEmbedded || r.Version != "miniredis" || r.Prefix != "p:" {
		t.Errorf("got Kind %q Version %q Prefix %q, want %q %q %q", r.Kind, r.Version, r.Prefix, KindEmbedded, "miniredis", "p:")
	}
	if !strings.HasPrefix(r.Label(), "EMBEDDED miniredis") {
		t.Errorf("Label() = %q, want it to start with EMBEDDED", r.Label())
	}
	c := r.Client()
	defer c.Close()
	ctx := context.Background()
	if err := c.Set(ctx, "p:k", "v", time.Minute).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	if got, err := c.Get(ctx, "p:k").Result(); err != nil || got != "v" {
		t.Errorf("GET = %q, %v; want %q", got, err, "v")
	}
}

func TestLabel(t *testing.T) {
	tests := []struct {
		name string
		r    *Redis
		want string
	}{
		{name: "given", r: &Redis{Kind: KindGiven, Addr: "10.0.0.5:6379", Version: "7.2.4"}, want: "given address 10.0.0.5:6379 (redis 7.2.4)"},
		{name: "local", r: &Redis{Kind: KindLocal, Addr: "127.0.0.1:40123", Version: "7.0.15"}, want: "redis-server 7.0.15 started by authbench on 127.0.0.1:40123"},
		{name: "container", r: &Redis{Kind: KindContainer, Addr: "localhost:32768", Version: "7.4.1", image: "redis:7"}, want: "redis 7.4.1 in a testcontainers container (redis:7) on localhost:32768"},
		{name: "embedded", r: &Redis{Kind: KindEmbedded, Addr: "127.0.0.1:5555", Version: "miniredis"}, want: "EMBEDDED miniredis on 127.0.0.1:5555 (in-process; figures are not a network store's)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.Label(); got != tt.want {
				t.Errorf("Label() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestClientOptions(t *testing.T) {
	o := ClientOptions("127.0.0.1:1")
	got := fmt.Sprintf("%s dial=%v/%d read=%v write=%v pool=%v retries=%d ctx=%v",
		o.Addr, o.DialTimeout, o.DialerRetries, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout, o.MaxRetries, o.ContextTimeoutEnabled)
	want := "127.0.0.1:1 dial=500ms/1 read=500ms write=500ms pool=1s retries=-1 ctx=true"
	if got != want {
		t.Errorf("ClientOptions = %s, want %s", got, want)
	}
}

func TestEscapeGlob(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{name: "plain", in: "authbench:0a1b2c3d:", want: "authbench:0a1b2c3d:"},
		{name: "specials", in: `a*b?c[d]e\f^`, want: `a\*b\?c\[d\]e\\f\^`},
		{name: "empty", in: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := escapeGlob(tt.in); got != tt.want {
				t.Errorf("escapeGlob(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestAddrFromEnv(t *testing.T) {
	tests := []struct{ name, env, want string }{
		{name: "set", env: "10.0.0.5:6379", want: "10.0.0.5:6379"},
		{name: "blank", env: "  ", want: ""},
		{name: "unset", env: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvAddr, tt.env)
			if got := AddrFromEnv(); got != tt.want {
				t.Errorf("AddrFromEnv() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestParentDeath checks that a redis-server never outlives the process
// that started it, and that the folder it leaves is swept later. The
// parent is this test binary re-run as a helper, killed with SIGKILL.
func TestParentDeath(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("parent-death signal is Linux-only")
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skipf("needs redis-server on PATH: %v", err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperParent$")
	cmd.Env = append(os.Environ(), "AUTHBENCH_REDISPROV_HELPER=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	var dir string
	line, err := bufio.NewReader(out).ReadString('\n')
	if _, serr := fmt.Sscanf(line, "helper %d %s", &pid, &dir); err != nil || serr != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("helper said %q: %v %v", line, err, serr)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()

	deadline := time.Now().Add(2 * time.Second)
	for !processGone(pid) {
		if time.Now().After(deadline) {
			if p, err := os.FindProcess(pid); err == nil {
				_ = p.Kill()
			}
			t.Fatalf("redis-server %d still running 2 s after its parent died", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The folder outlives its dead parent until a sweep. Any Start in
	// another test binary running in parallel (go test ./...) sweeps too,
	// so it may already be gone here: only the end state is asserted.
	sweepStaleDirs()
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("folder %s after sweep: %v, want it removed", dir, err)
	}
}

// TestHelperParent is not a test: TestParentDeath runs it in a child
// process that starts a redis-server, reports it and waits to be killed.
func TestHelperParent(t *testing.T) {
	if os.Getenv("AUTHBENCH_REDISPROV_HELPER") != "1" {
		t.Skip("helper process for TestParentDeath")
	}
	r, err := Start(context.Background(), Options{NoContainers: true, NoEmbedded: true})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Printf("helper %d %s\n", r.local.cmd.Process.Pid, filepath.Clean(r.local.dir))
	time.Sleep(time.Minute)
	os.Exit(1)
}

// TestLaunchPortTaken checks that a taken port is recognised as such (so
// Start tries another) and that a server answering on the port is never
// mistaken for the one just started.
func TestLaunchPortTaken(t *testing.T) {
	other := localT(t)
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip(err)
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close()
	tests := []struct {
		name string
		port int
	}{
		{name: "held by a plain listener", port: listener.Addr().(*net.TCPAddr).Port},
		{name: "held by another redis-server", port: other.local.port},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &localServer{bin: bin, dir: t.TempDir(), port: tt.port}
			_, err := s.launch(context.Background())
			defer s.kill()
			if !errors.Is(err, errPortInUse) {
				t.Errorf("launch on a taken port: %v, want %v", err, errPortInUse)
			}
		})
	}
	if err := ping(other); err != nil {
		t.Errorf("the other redis-server must be untouched: %v", err)
	}
}
