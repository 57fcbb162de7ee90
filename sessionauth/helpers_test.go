package sessionauth

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authbench/authbench/internal/testclock"
	"github.com/authbench/authbench/redisprov"
	"github.com/authbench/authbench/redisprov/redistest"
	"github.com/redis/go-redis/v9"
)

// t0 is where every fake clock starts.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeClock is the injected clock of the tests: time moves only when a
// test says so, so timeouts are tested without sleeping.
type fakeClock = testclock.Clock

func newClock() *fakeClock { return testclock.New(t0) }

// counter is a go-redis hook counting the commands a client sends and the
// round trips they take (a pipeline or transaction is one round trip; its
// MULTI and EXEC are counted as commands).
type counter struct {
	cmds, trips atomic.Int64
	mu          sync.Mutex
	names       []string
}

func (c *counter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *counter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.record(cmd)
		c.trips.Add(1)
		return next(ctx, cmd)
	}
}

func (c *counter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, cmd := range cmds {
			c.record(cmd)
		}
		c.trips.Add(1)
		return next(ctx, cmds)
	}
}

func (c *counter) record(cmd redis.Cmder) {
	c.cmds.Add(1)
	c.mu.Lock()
	c.names = append(c.names, cmd.Name())
	c.mu.Unlock()
}

// reset zeroes the counts.
func (c *counter) reset() {
	c.cmds.Store(0)
	c.trips.Store(0)
	c.mu.Lock()
	c.names = nil
	c.mu.Unlock()
}

// commands returns the names of the commands sent since the last reset.
func (c *counter) commands() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.names, " ")
}

// countedClient returns a client of its own to the Redis behind base,
// counting its commands. Tests cannot hook the shared client: hooks stay
// for good and the client is shared with other tests.
func countedClient(tb testing.TB, base *redis.Client) (*redis.Client, *counter) {
	tb.Helper()
	c := redis.NewClient(redisprov.ClientOptions(base.Options().Addr))
	tb.Cleanup(func() { _ = c.Close() })
	n := &counter{}
	c.AddHook(n)
	// The connection handshake (HELLO, CLIENT SETINFO) goes through the
	// hooks too, and go-redis v9.23 reports it with the first transaction
	// on the connection: open the connection and run one transaction now
	// so the handshake is not counted later.
	ctx := context.Background()
	if err := c.Ping(ctx).Err(); err != nil {
		tb.Fatalf("ping %s: %v", base.Options().Addr, err)
	}
	if _, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error { return p.Ping(ctx).Err() }); err != nil {
		tb.Fatalf("transaction on %s: %v", base.Options().Addr, err)
	}
	n.reset()
	return c, n
}

// env is a Backend under test with what a test needs to look behind it.
type env struct {
	b      *Backend
	clock  *fakeClock
	count  *counter
	rdb    *redis.Client // the counted client the backend uses
	prefix string
}

// newEnv returns a Backend on the shared test Redis with an injected
// clock and a command counter; edit adjusts the Config before New.
func newEnv(tb testing.TB, unsigned bool, edit ...func(*Config)) *env {
	tb.Helper()
	shared, prefix := redistest.Shared(tb)
	rdb, n := countedClient(tb, shared)
	clock := newClock()
	cfg := Config{Client: rdb, Prefix: prefix, Unsigned: unsigned, Now: clock.Now}
	for _, f := range edit {
		f(&cfg)
	}
	b, err := New(cfg)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return &env{b: b, clock: clock, count: n, rdb: rdb, prefix: prefix}
}

// variants are the two cookie flavours every lifecycle test runs with.
var variants = []struct {
	name     string
	unsigned bool
}{
	{"signed", false},
	{"unsigned", true},
}

// request returns a request carrying the given session cookie values.
func request(values ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "https://example.test/", nil)
	for _, v := range values {
		r.AddCookie(&http.Cookie{Name: Cookie, Value: v})
	}
	return r
}

// login logs user in from r (a fresh request when nil) and returns the
// session cookie set.
func (e *env) login(tb testing.TB, r *http.Request, user string) *http.Cookie {
	tb.Helper()
	if r == nil {
		r = request()
	}
	w := httptest.NewRecorder()
	if _, err := e.b.Login(w, r, user); err != nil {
		tb.Fatalf("Login(%q): %v", user, err)
	}
	return sessionCookie(tb, w)
}

// sessionCookie returns the one session cookie w set.
func sessionCookie(tb testing.TB, w *httptest.ResponseRecorder) *http.Cookie {
	tb.Helper()
	cookies := w.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Name != Cookie {
		tb.Fatalf("Set-Cookie = %v, want exactly one %q cookie", w.Header().Values("Set-Cookie"), Cookie)
	}
	return cookies[0]
}

// idOf returns the session ID a cookie value carries.
func (e *env) idOf(tb testing.TB, value string) string {
	tb.Helper()
	id, err := e.b.store.codec.decode(Cookie, value)
	if err != nil {
		tb.Fatalf("decode cookie %q: %v", value, err)
	}
	return id
}

// keys returns every key under the test prefix, sorted, with the prefix
// removed.
func (e *env) keys(tb testing.TB) []string {
	tb.Helper()
	var out []string
	iter := e.rdb.Scan(context.Background(), 0, e.prefix+"*", 100).Iterator()
	for iter.Next(context.Background()) {
		out = append(out, strings.TrimPrefix(iter.Val(), e.prefix))
	}
	if err := iter.Err(); err != nil {
		tb.Fatalf("scan: %v", err)
	}
	sort.Strings(out)
	return out
}

// exists reports whether key exists.
func (e *env) exists(tb testing.TB, key string) bool {
	tb.Helper()
	n, err := e.rdb.Exists(context.Background(), key).Result()
	if err != nil {
		tb.Fatalf("exists %s: %v", key, err)
	}
	return n == 1
}

// members returns the session index of user, sorted.
func (e *env) members(tb testing.TB, user string) []string {
	tb.Helper()
	m, err := e.rdb.SMembers(context.Background(), e.b.store.UserKey(user)).Result()
	if err != nil {
		tb.Fatalf("smembers: %v", err)
	}
	sort.Strings(m)
	return m
}

// deadAddr returns a loopback address nothing listens on, for clients
// that must never reach a server.
func deadAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// unusedClient returns a client for code that needs one but must never
// send a command: it points at an address nothing listens on.
func unusedClient(tb testing.TB) *redis.Client {
	tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: deadAddr(tb)})
	tb.Cleanup(func() { _ = c.Close() })
	return c
}
