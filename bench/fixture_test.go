package bench

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/authbench/authbench"
	"github.com/authbench/authbench/jwtauth"
	"github.com/authbench/authbench/redisprov"
	"github.com/authbench/authbench/redisprov/redistest"
	"github.com/authbench/authbench/sessionauth"
	"github.com/golang-jwt/jwt/v5"
	"github.com/redis/go-redis/v9"
)

// testUser is the user every benchmark logs in: a name of ordinary length,
// the same for every backend and peer, so stored and sent bytes compare.
const testUser = "user-42"

// algs are the JWT algorithms measured, one per key family.
var algs = []string{jwtauth.AlgHS256, jwtauth.AlgRS256, jwtauth.AlgES256, jwtauth.AlgEdDSA}

// variant is one backend configuration.
type variant struct {
	backend string // "none", "jwt", "jwt-blacklist", "session"
	alg     string // JWT algorithm (jwt, jwt-blacklist)
	cookie  string // "signed" or "unsigned" (session)
}

// name is the variant's part of a sub-benchmark name.
func (v variant) name() string {
	switch {
	case v.alg != "":
		return "backend=" + v.backend + "/alg=" + v.alg
	case v.cookie != "":
		return "backend=" + v.backend + "/cookie=" + v.cookie
	default:
		return "backend=" + v.backend
	}
}

// variants returns every authenticating backend configuration: jwt per
// algorithm, jwt-blacklist with HS256 (its extra cost is the round trip,
// not the algorithm), session with a signed and an unsigned cookie.
func variants() []variant {
	var vs []variant
	for _, alg := range algs {
		vs = append(vs, variant{backend: "jwt", alg: alg})
	}
	return append(vs,
		variant{backend: "jwt-blacklist", alg: jwtauth.AlgHS256},
		variant{backend: "session", cookie: "signed"},
		variant{backend: "session", cookie: "unsigned"},
	)
}

// keySet is a JWT key pair with the verification key in the form
// golang-jwt wants, for the raw and peer benchmarks that verify tokens
// without jwtauth.
type keySet struct {
	keys   *jwtauth.Keys
	verify any
}

// keyCache holds one keySet per algorithm for the whole benchmark binary:
// an RSA key takes a noticeable time to generate.
var keyCache sync.Map // alg -> *keySet

func keysFor(alg string) (*keySet, error) {
	if k, ok := keyCache.Load(alg); ok {
		return k.(*keySet), nil
	}
	ks, err := newKeySet(alg)
	if err != nil {
		return nil, err
	}
	actual, _ := keyCache.LoadOrStore(alg, ks)
	return actual.(*keySet), nil
}

func newKeySet(alg string) (*keySet, error) {
	if alg == jwtauth.AlgHS256 {
		secret := make([]byte, jwtauth.MinHMACSecret)
		_, _ = rand.Read(secret) // crypto/rand.Read never fails since Go 1.24
		k, err := jwtauth.HMACKeys(secret)
		if err != nil {
			return nil, err
		}
		return &keySet{keys: k, verify: secret}, nil
	}
	k, err := jwtauth.GenerateKeys(alg)
	if err != nil {
		return nil, err
	}
	pem, err := k.PublicKeyPEM()
	if err != nil {
		return nil, err
	}
	var pub any
	switch alg {
	case jwtauth.AlgRS256:
		pub, err = jwt.ParseRSAPublicKeyFromPEM(pem)
	case jwtauth.AlgES256:
		pub, err = jwt.ParseECPublicKeyFromPEM(pem)
	case jwtauth.AlgEdDSA:
		pub, err = jwt.ParseEdPublicKeyFromPEM(pem)
	default:
		return nil, fmt.Errorf("bench: no public key parser for alg %q", alg)
	}
	if err != nil {
		return nil, fmt.Errorf("bench: parse %s public key: %w", alg, err)
	}
	return &keySet{keys: k, verify: pub}, nil
}

// rawParser returns a golang-jwt parser with exactly the options jwtauth
// builds for alg with its defaults (jwtauth/claims.go, newParser), so the
// raw and peer benchmarks do the same validation work as the backend.
func rawParser(alg string) *jwt.Parser {
	return jwt.NewParser(
		jwt.WithValidMethods([]string{alg}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(jwtauth.DefaultIssuer),
		jwt.WithAudience(jwtauth.DefaultAudience),
		jwt.WithLeeway(0),
		jwt.WithIssuedAt(),
		jwt.WithStrictDecoding(),
	)
}

// redisBase is the Redis of one top-level benchmark: the address of the
// test Redis and a key prefix that redistest deletes when the benchmark
// ends.
type redisBase struct {
	addr   string
	prefix string
	seq    atomic.Int64
}

// sharedRedis provisions Redis as the tests do (redistest.Shared), once
// per top-level benchmark.
func sharedRedis(b *testing.B) *redisBase {
	b.Helper()
	client, prefix := redistest.Shared(b)
	return &redisBase{addr: client.Options().Addr, prefix: prefix}
}

// env is what one sub-benchmark run works in: its own client, whose
// round trips are counted, and its own key prefix, so SCAN finds exactly
// the keys this run stored.
type env struct {
	client *redis.Client
	trips  *tripCounter
	prefix string
}

// env returns a fresh env, closed at b's cleanup. Its keys are left for
// the top-level benchmark's cleanup to delete.
func (rb *redisBase) env(b *testing.B) *env {
	b.Helper()
	e := &env{
		client: redis.NewClient(redisprov.ClientOptions(rb.addr)),
		trips:  &tripCounter{},
		prefix: fmt.Sprintf("%s%d:", rb.prefix, rb.seq.Add(1)),
	}
	e.client.AddHook(e.trips)
	b.Cleanup(func() { _ = e.client.Close() })
	return e
}

// tripCounter is a go-redis hook counting round trips: one per command,
// one per pipeline or MULTI/EXEC transaction however many commands it
// holds. A script run that falls back from EVALSHA to EVAL counts two,
// as it costs two.
type tripCounter struct{ n atomic.Int64 }

// DialHook leaves dialling alone: connecting is not a round trip of the
// operation (the pool is warm once a benchmark starts timing).
func (c *tripCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook counts a single command.
func (c *tripCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook counts a pipeline or transaction as one trip.
func (c *tripCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmds)
	}
}

// bytesHeld returns the memory Redis reports (MEMORY USAGE) for every key
// under the env's prefix, and how many keys there are.
func (e *env) bytesHeld(ctx context.Context) (total int64, keys int, err error) {
	iter := e.client.Scan(ctx, 0, e.prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		n, err := e.client.MemoryUsage(ctx, iter.Val()).Result()
		if err != nil {
			return 0, 0, fmt.Errorf("bench: MEMORY USAGE %s: %w", iter.Val(), err)
		}
		total += n
		keys++
	}
	if err := iter.Err(); err != nil {
		return 0, 0, fmt.Errorf("bench: SCAN %s*: %w", e.prefix, err)
	}
	return total, keys, nil
}

// newBackend builds the backend of v. Stateful variants use e's client
// and prefix; the session backend's clock is the real one, so a session
// is touched (a second round trip) at most once a minute, as in
// production, and the hook counts it if it happens.
func newBackend(v variant, e *env) (authbench.Backend, *keySet, error) {
	switch v.backend {
	case "jwt", "jwt-blacklist":
		ks, err := keysFor(v.alg)
		if err != nil {
			return nil, nil, err
		}
		cfg := jwtauth.Config{Keys: ks.keys}
		if v.backend == "jwt-blacklist" {
			cfg.Blacklist, cfg.Prefix = e.client, e.prefix
		}
		be, err := jwtauth.New(cfg)
		return be, ks, err
	case "session":
		be, err := sessionauth.New(sessionauth.Config{Client: e.client, Prefix: e.prefix, Unsigned: v.cookie == "unsigned"})
		return be, nil, err
	}
	return nil, nil, fmt.Errorf("bench: unknown backend %q", v.backend)
}

// login logs testUser in through be and returns the response headers.
func login(be authbench.Backend) (http.Header, error) {
	rec := httptest.NewRecorder()
	if _, err := be.Login(rec, httptest.NewRequest(http.MethodPost, "/auth/login", nil), testUser); err != nil {
		return nil, fmt.Errorf("bench: login %s: %w", testUser, err)
	}
	return rec.Header(), nil
}

// cookieHeader returns the Cookie header a browser holding the cookies set
// in h would send with a request for path: every cookie whose Path matches
// (RFC 6265 §5.1.4), so the refresh token (Path=/auth) is left out of
// requests to /api/me.
func cookieHeader(h http.Header, path string) string {
	var parts []string
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.MaxAge < 0 || c.Value == "" || !pathMatch(path, c.Path) {
			continue
		}
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

// pathMatch is RFC 6265's path-match of a request path against a cookie
// path.
func pathMatch(reqPath, cookiePath string) bool {
	switch {
	case cookiePath == "" || cookiePath == reqPath:
		return true
	case !strings.HasPrefix(reqPath, cookiePath):
		return false
	default:
		return strings.HasSuffix(cookiePath, "/") || reqPath[len(cookiePath)] == '/'
	}
}

// cookieValue returns the value of the cookie called name in a Cookie
// header, or an error naming what is missing.
func cookieValue(header, name string) (string, error) {
	r := http.Request{Header: http.Header{"Cookie": {header}}}
	c, err := r.Cookie(name)
	if err != nil {
		return "", fmt.Errorf("bench: no %s cookie in %q", name, header)
	}
	return c.Value, nil
}

// setCookiePair returns "name=value" of the Set-Cookie line for name in
// h, as a substring of the header (no allocation), so a benchmark can
// chain credentials: each iteration sends what the previous one set.
func setCookiePair(h http.Header, name string) (string, bool) {
	for _, line := range h["Set-Cookie"] {
		if len(line) > len(name) && line[len(name)] == '=' && line[:len(name)] == name {
			if i := strings.IndexByte(line, ';'); i >= 0 {
				line = line[:i]
			}
			return line, len(line) > len(name)+1
		}
	}
	return "", false
}

// headerWriter is a ResponseWriter that keeps headers and drops the body.
// Reused across iterations (its header map cleared, buckets kept), it
// puts none of its own allocations into a benchmark of Login or Refresh.
type headerWriter struct {
	h    http.Header
	code int
}

func newHeaderWriter() *headerWriter { return &headerWriter{h: http.Header{}} }

func (w *headerWriter) Header() http.Header         { return w.h }
func (w *headerWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *headerWriter) WriteHeader(code int)        { w.code = code }
func (w *headerWriter) reset()                      { clear(w.h); w.code = 0 }

// setCookieBytes is the size of the Set-Cookie headers in h, as they go
// on the wire ("Set-Cookie: " and CRLF included).
func setCookieBytes(h http.Header) int {
	n := 0
	for _, line := range h["Set-Cookie"] {
		n += len("Set-Cookie: ") + len(line) + len("\r\n")
	}
	return n
}

// op is one iteration of a benchmark. An op returned by a factory is used
// by one goroutine only.
type op func() error

// run times op: serially with b.Loop, or with b.RunParallel when parallel
// is set, where newOp is called once per goroutine. It reports allocs
// and, unless trips is nil (nothing Redis-related is measured), the
// round trips per iteration counted on trips. The stateless jwt variant
// is given no client at all, so its 0 holds by construction; the hook on
// the env's client shows nothing else reached Redis either. Whatever
// set-up the caller did before is outside the timing.
func run(b *testing.B, parallel bool, trips *tripCounter, newOp func() op) {
	b.Helper()
	if trips != nil {
		trips.n.Store(0)
	}
	b.ReportAllocs()
	b.ResetTimer()
	if parallel {
		b.RunParallel(func(pb *testing.PB) {
			f := newOp()
			for pb.Next() {
				if err := f(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	} else {
		f := newOp()
		for b.Loop() {
			if err := f(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	if trips != nil {
		b.ReportMetric(float64(trips.n.Load())/float64(max(b.N, 1)), "redis-rt/op")
	}
}

// errStatus reports an unexpected HTTP status.
var errStatus = errors.New("bench: unexpected status")
