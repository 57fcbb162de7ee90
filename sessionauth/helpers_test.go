package sessionauth

import (
	"context"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
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

// The storages a Backend can run on. Tests of behaviour that does not
// depend on where sessions live run on both (storeKinds); tests of Redis
// commands, round trips and outages on Redis only.
const (
	onRedis  = "redis"
	inMemory = "memory"
)

var storeKinds = []string{onRedis, inMemory}

// env is a Backend under test with what a test needs to look behind it.
type env struct {
	kind   string // onRedis or inMemory
	b      *Backend
	clock  *fakeClock
	count  *counter      // Redis commands sent; nil in memory
	rdb    *redis.Client // the counted client the backend uses; nil in memory
	prefix string
	mem    *memStorage // the in-memory storage; nil on Redis
	ops    *opCounter  // storage operations, in memory only
}

// newEnv returns a Backend on the shared test Redis with an injected
// clock and a command counter; edit adjusts the Config before New.
func newEnv(tb testing.TB, unsigned bool, edit ...func(*Config)) *env {
	tb.Helper()
	return newEnvOn(tb, onRedis, unsigned, edit...)
}

// newEnvOn returns a Backend on the storage kind names, with an injected
// clock and a counter of what reaches the storage: Redis commands, or
// calls of the in-memory storage's operations.
func newEnvOn(tb testing.TB, kind string, unsigned bool, edit ...func(*Config)) *env {
	tb.Helper()
	clock := newClock()
	e := &env{kind: kind, clock: clock}
	cfg := Config{Unsigned: unsigned, Now: clock.Now}
	switch kind {
	case onRedis:
		shared, prefix := redistest.Shared(tb)
		e.rdb, e.count = countedClient(tb, shared)
		e.prefix = prefix
		cfg.Client, cfg.Prefix = e.rdb, prefix
	case inMemory:
		cfg.Memory = true
	default:
		tb.Fatalf("unknown store kind %q", kind)
	}
	for _, f := range edit {
		f(&cfg)
	}
	b, err := New(cfg)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	e.b = b
	if kind == inMemory {
		e.mem = b.store.data.(*memStorage)
		e.ops = &opCounter{}
		b.store.data = countingStorage{storage: e.mem, ops: e.ops}
		tb.Cleanup(func() { e.mem.checkConsistent(tb) })
	}
	return e
}

// forEachStore runs f as a subtest on each storage kind.
func forEachStore(t *testing.T, f func(t *testing.T, kind string)) {
	t.Helper()
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) { f(t, kind) })
	}
}

// resetOps forgets what reached the storage so far.
func (e *env) resetOps() {
	if e.count != nil {
		e.count.reset()
	}
	if e.ops != nil {
		e.ops.reset()
	}
}

// opNames returns what reached the storage since the last reset: Redis
// command names, or in memory the storage operations called (get,
// write, insert, destroy, revoke).
func (e *env) opNames() string {
	if e.count != nil {
		return e.count.commands()
	}
	return e.ops.names()
}

// opCount returns how many commands or operations reached the storage
// since the last reset.
func (e *env) opCount() int64 {
	if e.count != nil {
		return e.count.cmds.Load()
	}
	return int64(len(strings.Fields(e.ops.names())))
}

// opCounter records the operations called on a storage.
type opCounter struct {
	mu  sync.Mutex
	ops []string
}

func (c *opCounter) add(op string) {
	c.mu.Lock()
	c.ops = append(c.ops, op)
	c.mu.Unlock()
}

func (c *opCounter) reset() {
	c.mu.Lock()
	c.ops = nil
	c.mu.Unlock()
}

func (c *opCounter) names() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.ops, " ")
}

// countingStorage passes every operation through to storage, recording
// its name in ops first.
type countingStorage struct {
	storage
	ops *opCounter
}

func (c countingStorage) insert(ctx context.Context, id string, rec record, ttl time.Duration, old string) (bool, error) {
	c.ops.add("insert")
	return c.storage.insert(ctx, id, rec, ttl, old)
}

func (c countingStorage) write(ctx context.Context, id string, rec record, ttl time.Duration) (bool, error) {
	c.ops.add("write")
	return c.storage.write(ctx, id, rec, ttl)
}

func (c countingStorage) get(ctx context.Context, id string) (record, error) {
	c.ops.add("get")
	return c.storage.get(ctx, id)
}

func (c countingStorage) destroy(ctx context.Context, id string) error {
	c.ops.add("destroy")
	return c.storage.destroy(ctx, id)
}

func (c countingStorage) revoke(ctx context.Context, user string) error {
	c.ops.add("revoke")
	return c.storage.revoke(ctx, user)
}

// memKeys returns what the in-memory storage holds as the Redis keys it
// would be (prefix-less): sess:<id> for every record still held, expired
// or not, and user:<user>:sessions for every index. Listing records past
// their ttl too is the stricter check: tests expect sessions to be gone,
// not merely to read as absent.
func (m *memStorage) memKeys() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.RLock()
		for id := range sh.entries {
			out = append(out, sessionKey("sess:", id))
		}
		sh.mu.RUnlock()
	}
	for user := range m.users {
		out = append(out, userKey("user:", user))
	}
	sort.Strings(out)
	return out
}

// size returns how many records and user indexes m holds.
func (m *memStorage) size() (records, users int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.RLock()
		records += len(sh.entries)
		sh.mu.RUnlock()
	}
	return records, len(m.users)
}

// checkConsistent fails tb unless every record is listed in its user's
// index, every index entry names a record of that user, no index is empty
// and every record is in the shard its ID picks.
func (m *memStorage) checkConsistent(tb testing.TB) {
	tb.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	indexed := 0
	for user, ids := range m.users {
		if len(ids) == 0 {
			tb.Errorf("memory: empty index kept for %q", user)
		}
		for id := range ids {
			sh := m.shard(id)
			sh.mu.RLock()
			e, ok := sh.entries[id]
			sh.mu.RUnlock()
			if !ok || e.rec.user != user {
				tb.Errorf("memory: index of %q lists %s, which holds %+v (present: %v)", user, id, e.rec, ok)
			}
			indexed++
		}
	}
	records := 0
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.RLock()
		for id := range sh.entries {
			if m.shard(id) != sh {
				tb.Errorf("memory: record %s in shard %d, not the one its ID picks", id, i)
			}
		}
		records += len(sh.entries)
		sh.mu.RUnlock()
	}
	if records != indexed {
		tb.Errorf("memory: %d records but %d index entries", records, indexed)
	}
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
// removed; in memory, what the storage holds named as those keys.
func (e *env) keys(tb testing.TB) []string {
	tb.Helper()
	if e.mem != nil {
		return e.mem.memKeys()
	}
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

// exists reports whether key exists; in memory, whether the storage
// holds what would be stored at key.
func (e *env) exists(tb testing.TB, key string) bool {
	tb.Helper()
	if e.mem != nil {
		return slices.Contains(e.mem.memKeys(), strings.TrimPrefix(key, e.prefix))
	}
	n, err := e.rdb.Exists(context.Background(), key).Result()
	if err != nil {
		tb.Fatalf("exists %s: %v", key, err)
	}
	return n == 1
}

// members returns the session index of user, sorted.
func (e *env) members(tb testing.TB, user string) []string {
	tb.Helper()
	if e.mem != nil {
		e.mem.mu.Lock()
		defer e.mem.mu.Unlock()
		return slices.Sorted(maps.Keys(e.mem.users[user]))
	}
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
