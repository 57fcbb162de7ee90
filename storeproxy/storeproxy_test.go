package storeproxy

import (
	"context"
	"errors"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authbench/authbench/redisprov"
	"github.com/authbench/authbench/redisprov/redistest"
	"github.com/redis/go-redis/v9"
)

// testTimeout bounds each test's Redis calls; it is a hang guard, not a
// speed target.
const testTimeout = 30 * time.Second

// startProxy starts a proxy in front of the test binary's shared Redis and
// returns it with that Redis' address and this test's key prefix.
func startProxy(t *testing.T) (*Proxy, string, string) {
	t.Helper()
	rc, prefix := redistest.Shared(t)
	upstream := rc.Options().Addr
	p, err := Start(upstream)
	if err != nil {
		t.Fatalf("Start(%q): %v", upstream, err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return p, upstream, prefix
}

// newClient returns a go-redis client for addr with the suite's fail-fast
// options (no retries), with I/O timeouts long enough that a slow machine
// never turns a working round trip into a failure.
func newClient(t *testing.T, addr string) *redis.Client {
	t.Helper()
	o := redisprov.ClientOptions(addr)
	o.DialTimeout = 2 * time.Second
	o.ReadTimeout = 5 * time.Second
	o.WriteTimeout = 5 * time.Second
	c := redis.NewClient(o)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// getMiss GETs a key nobody writes; a miss is success.
func getMiss(ctx context.Context, c redis.Cmdable, prefix string) error {
	err := c.Get(ctx, prefix+"absent").Err()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err == nil {
		return errors.New("GET of an absent key found a value")
	}
	return err
}

// timedGetT returns how long one GET took, failing the test if it failed.
func timedGetT(t *testing.T, ctx context.Context, c redis.Cmdable, prefix string) time.Duration {
	t.Helper()
	start := time.Now()
	if err := getMiss(ctx, c, prefix); err != nil {
		t.Fatalf("GET through the proxy: %v", err)
	}
	return time.Since(start)
}

func TestVersion(t *testing.T) {
	t.Parallel()
	if Version != "toxiproxy v2.5.0 (in-process)" {
		t.Errorf("Version = %q", Version)
	}
}

func TestStartAddresses(t *testing.T) {
	t.Parallel()
	p, upstream, _ := startProxy(t)
	if p.Upstream() != upstream {
		t.Errorf("Upstream() = %q, want %q", p.Upstream(), upstream)
	}
	host, port, err := net.SplitHostPort(p.Addr())
	if err != nil || host != "127.0.0.1" || port == "0" {
		t.Errorf("Addr() = %q, want 127.0.0.1 and a concrete port", p.Addr())
	}
	if p.Addr() == upstream {
		t.Errorf("Addr() = upstream %q: servers would bypass the proxy", upstream)
	}
}

// TestLatency checks that a GET through the proxy takes at least the
// latency set, on a connection opened before the latency was set (so
// existing pooled connections are affected too). Only lower bounds are
// asserted: the proxy may add more, never less.
func TestLatency(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		latency time.Duration
	}{
		{"none", 0},
		{"half a millisecond", 500 * time.Microsecond},
		{"5 ms", 5 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			p, _, prefix := startProxy(t)
			c := newClient(t, p.Addr())
			if err := getMiss(ctx, c, prefix); err != nil {
				t.Fatalf("GET through the proxy before any latency: %v", err)
			}
			if err := p.SetLatency(tt.latency); err != nil {
				t.Fatalf("SetLatency(%v): %v", tt.latency, err)
			}
			if got := p.Latency(); got != tt.latency {
				t.Errorf("Latency() = %v, want %v", got, tt.latency)
			}
			for i := 0; i < 3; i++ {
				if took := timedGetT(t, ctx, c, prefix); took < tt.latency {
					t.Errorf("GET %d took %v, less than the latency %v", i, took, tt.latency)
				}
			}
			// A new connection gets the latency too.
			fresh := newClient(t, p.Addr())
			if took := timedGetT(t, ctx, fresh, prefix); took < tt.latency {
				t.Errorf("GET on a new connection took %v, less than the latency %v", took, tt.latency)
			}
		})
	}
}

// TestLatencyChange checks replacing one latency by another and removing
// it, on a connection that stays open throughout.
func TestLatencyChange(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	p, _, prefix := startProxy(t)
	c := newClient(t, p.Addr())
	steps := []time.Duration{5 * time.Millisecond, 500 * time.Microsecond, 2 * time.Millisecond, 0, 1 * time.Millisecond, 0, 0}
	for _, d := range steps {
		if err := p.SetLatency(d); err != nil {
			t.Fatalf("SetLatency(%v): %v", d, err)
		}
		if got := p.Latency(); got != d {
			t.Errorf("after SetLatency(%v), Latency() = %v", d, got)
		}
		if took := timedGetT(t, ctx, c, prefix); took < d {
			t.Errorf("with latency %v, a GET took %v", d, took)
		}
	}
}

// TestCutRestore checks that Cut breaks open connections and refuses new
// ones, and that Restore brings the store back on the same address with
// the latency set before (or during) the cut.
func TestCutRestore(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	p, _, prefix := startProxy(t)
	addr := p.Addr()
	const before = 2 * time.Millisecond
	if err := p.SetLatency(before); err != nil {
		t.Fatalf("SetLatency(%v): %v", before, err)
	}

	pooled := newClient(t, addr)
	conn := pooled.Conn() // one dedicated connection, opened below
	defer conn.Close()
	if err := getMiss(ctx, conn, prefix); err != nil {
		t.Fatalf("GET before Cut: %v", err)
	}

	if err := p.Cut(); err != nil {
		t.Fatalf("Cut: %v", err)
	}
	if err := p.Cut(); err != nil {
		t.Errorf("second Cut: %v", err)
	}
	if err := getMiss(ctx, conn, prefix); err == nil {
		t.Error("GET on a connection opened before Cut succeeded while cut")
	}
	if c, err := net.DialTimeout("tcp", addr, 2*time.Second); err == nil {
		c.Close()
		t.Errorf("dialling %s succeeded while cut", addr)
	}
	if err := getMiss(ctx, newClient(t, addr), prefix); err == nil {
		t.Error("GET on a new client succeeded while cut")
	}

	if err := p.Restore(); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if err := p.Restore(); err != nil {
		t.Errorf("second Restore: %v", err)
	}
	if p.Addr() != addr {
		t.Fatalf("Addr() changed across Cut/Restore: %s, was %s", p.Addr(), addr)
	}
	if got := p.Latency(); got != before {
		t.Errorf("Latency() after Restore = %v, want %v", got, before)
	}
	fresh := newClient(t, addr)
	for i := 0; i < 3; i++ {
		if took := timedGetT(t, ctx, fresh, prefix); took < before {
			t.Errorf("GET %d after Restore took %v, less than the latency %v set before Cut", i, took, before)
		}
	}

	// The client that saw the outage recovers by itself: go-redis drops
	// its broken connections and, after a failed dial, may refuse to dial
	// for about a second, so poll (the deadline is a hang guard).
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := getMiss(ctx, pooled, prefix)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("client used during the outage still fails after Restore: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// A second cycle, with the latency changed while cut.
	const during = 4 * time.Millisecond
	if err := p.Cut(); err != nil {
		t.Fatalf("second cycle Cut: %v", err)
	}
	if err := getMiss(ctx, fresh, prefix); err == nil {
		t.Error("GET succeeded while cut (second cycle)")
	}
	if err := p.SetLatency(during); err != nil {
		t.Fatalf("SetLatency(%v) while cut: %v", during, err)
	}
	if err := p.Restore(); err != nil {
		t.Fatalf("second cycle Restore: %v", err)
	}
	if p.Addr() != addr {
		t.Fatalf("Addr() changed across the second Cut/Restore: %s, was %s", p.Addr(), addr)
	}
	if took := timedGetT(t, ctx, newClient(t, addr), prefix); took < during {
		t.Errorf("GET after the second Restore took %v, less than the latency %v set while cut", took, during)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	t.Run("negative latency", func(t *testing.T) {
		t.Parallel()
		p, _, _ := startProxy(t)
		for _, d := range []time.Duration{-time.Nanosecond, -500 * time.Microsecond, -time.Second} {
			err := p.SetLatency(d)
			if err == nil {
				t.Errorf("SetLatency(%v) succeeded", d)
				continue
			}
			if !strings.Contains(err.Error(), d.String()) {
				t.Errorf("SetLatency(%v) error %q does not name the value", d, err)
			}
			if got := p.Latency(); got != 0 {
				t.Errorf("after a rejected SetLatency(%v), Latency() = %v", d, got)
			}
		}
	})
	tests := []struct {
		name     string
		upstream string
	}{
		{"empty", ""},
		{"no port", "127.0.0.1"},
		{"no host", ":6379"},
		{"port zero", "127.0.0.1:0"},
		{"port too large", "127.0.0.1:65536"},
		{"port not a number", "127.0.0.1:redis"},
		{"garbage", "not a host:port:at all"},
	}
	for _, tt := range tests {
		t.Run("Start "+tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := Start(tt.upstream)
			if err == nil {
				p.Close()
				t.Fatalf("Start(%q) succeeded", tt.upstream)
			}
			if !strings.Contains(err.Error(), tt.upstream) {
				t.Errorf("Start(%q) error %q does not name the upstream", tt.upstream, err)
			}
		})
	}
}

func TestMeasureOverhead(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	p, _, _ := startProxy(t)

	direct, proxied, err := MeasureOverhead(ctx, p, 200)
	if err != nil {
		t.Fatalf("MeasureOverhead: %v", err)
	}
	if direct <= 0 || proxied <= 0 {
		t.Errorf("MeasureOverhead = %v direct, %v proxied; want both positive", direct, proxied)
	}
	t.Logf("median GET round trip: direct %v, through the proxy (0 added) %v", direct, proxied)

	const added = time.Millisecond
	if err := p.SetLatency(added); err != nil {
		t.Fatalf("SetLatency(%v): %v", added, err)
	}
	_, proxied, err = MeasureOverhead(ctx, p, 21)
	if err != nil {
		t.Fatalf("MeasureOverhead with latency %v: %v", added, err)
	}
	if proxied < added {
		t.Errorf("with latency %v, the proxied median is %v", added, proxied)
	}

	for _, n := range []int{0, -3} {
		if _, _, err := MeasureOverhead(ctx, p, n); err == nil || !strings.Contains(err.Error(), "n "+strconv.Itoa(n)) {
			t.Errorf("MeasureOverhead(n=%d) error = %v, want one naming n", n, err)
		}
	}
	if _, _, err := MeasureOverhead(ctx, nil, 1); err == nil {
		t.Error("MeasureOverhead(nil proxy) succeeded")
	}
	if err := p.Cut(); err != nil {
		t.Fatalf("Cut: %v", err)
	}
	if _, _, err := MeasureOverhead(ctx, p, 1); err == nil {
		t.Error("MeasureOverhead on a cut proxy succeeded")
	}
}

func TestClose(t *testing.T) {
	t.Parallel()
	p, _, _ := startProxy(t)
	if err := p.SetLatency(time.Millisecond); err != nil {
		t.Fatalf("SetLatency: %v", err)
	}
	for i := 0; i < 2; i++ {
		if err := p.Close(); err != nil {
			t.Errorf("Close #%d: %v", i+1, err)
		}
	}
	if c, err := net.DialTimeout("tcp", p.Addr(), 2*time.Second); err == nil {
		c.Close()
		t.Errorf("dialling %s succeeded after Close", p.Addr())
	}
	for name, f := range map[string]func() error{
		"SetLatency": func() error { return p.SetLatency(time.Millisecond) },
		"Cut":        p.Cut,
		"Restore":    p.Restore,
	} {
		if err := f(); !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}

	// Closing a cut proxy is fine too.
	q, _, _ := startProxy(t)
	if err := q.Cut(); err != nil {
		t.Fatalf("Cut: %v", err)
	}
	if err := q.Close(); err != nil {
		t.Errorf("Close of a cut proxy: %v", err)
	}
}

// TestNoGoroutinesLeft drives a proxy through cuts while large requests
// and replies are in flight (so pipeline stages hold chunks whose
// connection Cut closes), then closes it and checks that no toxiproxy
// goroutine is left, with and without latency. It is not parallel: it
// counts every toxiproxy goroutine in the binary, and parallel tests only
// start after the sequential ones.
func TestNoGoroutinesLeft(t *testing.T) {
	for _, latency := range []time.Duration{0, time.Millisecond} {
		t.Run("latency "+latency.String(), func(t *testing.T) {
			waitNoToxiproxyGoroutines(t, "before the test (left by an earlier one)")
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			rc, prefix := redistest.Shared(t)
			big := strings.Repeat("x", 1<<20)
			if err := rc.Set(ctx, prefix+"big", big, time.Minute).Err(); err != nil {
				t.Fatalf("SET: %v", err)
			}
			p, err := Start(rc.Options().Addr)
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			if err := p.SetLatency(latency); err != nil {
				t.Fatalf("SetLatency: %v", err)
			}

			stop := make(chan struct{})
			var wg sync.WaitGroup
			for i := 0; i < 4; i++ {
				c := newClient(t, p.Addr())
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-stop:
							return
						default:
						}
						// Big replies (GET) and big requests (SET);
						// errors are expected while cut.
						var err error
						if i%2 == 0 {
							err = c.Get(ctx, prefix+"big").Err()
						} else {
							err = c.Set(ctx, prefix+"big-"+strconv.Itoa(i), big, time.Minute).Err()
						}
						if err != nil {
							time.Sleep(5 * time.Millisecond)
						}
					}
				}()
			}
			for cycle := 0; cycle < 3; cycle++ {
				time.Sleep(50 * time.Millisecond)
				if err := p.Cut(); err != nil {
					t.Fatalf("Cut: %v", err)
				}
				time.Sleep(20 * time.Millisecond)
				if err := p.Restore(); err != nil {
					t.Fatalf("Restore: %v", err)
				}
			}
			time.Sleep(50 * time.Millisecond)
			if err := p.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			close(stop)
			wg.Wait()
			waitNoToxiproxyGoroutines(t, "after Close")
		})
	}
}

// waitNoToxiproxyGoroutines waits until no goroutine runs toxiproxy code.
// Connection goroutines end shortly after their sockets close, so it
// polls; the deadline is a hang guard, not a speed target.
func waitNoToxiproxyGoroutines(t *testing.T, when string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		left := toxiproxyGoroutines()
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d toxiproxy goroutines still running %s; first:\n%s", len(left), when, left[0])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func toxiproxyGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var found []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "github.com/Shopify/toxiproxy/") {
			found = append(found, g)
		}
	}
	return found
}
