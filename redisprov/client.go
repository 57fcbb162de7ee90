package redisprov

import (
	"time"

	"github.com/redis/go-redis/v9"
)

// Timeouts of the clients this package hands out. They are short on
// purpose: the backends the suite measures fail closed, so when the store
// is slow or gone the right answer is a quick ErrStoreUnavailable, and the
// suite measures how quickly that answer comes. go-redis' defaults (5 s
// dial and read timeouts, 3 retries with back-off, 5 dial attempts) would
// turn a dead store into multi-second stalls and hide the outage behind
// retries.
const (
	clientDialTimeout  = 500 * time.Millisecond
	clientIOTimeout    = 500 * time.Millisecond
	clientPoolTimeout  = time.Second
	clientMaxRetries   = -1 // go-redis: -1, not 0, disables retries
	clientDialAttempts = 1  // go-redis counts attempts: 1 means no dial retry
)

// ClientOptions returns the fail-fast go-redis options the suite uses for
// addr (host:port), for callers that build their own client or tweak one
// field (a pool size for a benchmark, say).
//
//   - DialTimeout, ReadTimeout, WriteTimeout 500 ms and PoolTimeout 1 s: a
//     loopback or LAN Redis answers in well under a millisecond, so half a
//     second already means "down"; a request is never held for seconds.
//   - MaxRetries -1 and DialerRetries 1: no retries and no back-off, so an
//     outage surfaces as an error on the first failed command instead of
//     being retried (and possibly half-applied twice) behind the caller's
//     back. Callers that want retries decide so explicitly.
//   - ContextTimeoutEnabled: the caller's context deadline applies to the
//     socket too, so a request deadline bounds the store call.
//
// go-redis still opens a circuit after PoolSize consecutive failed dials
// and then probes the server once a second, so after an outage a client
// may keep failing for up to about a second once Redis is back.
func ClientOptions(addr string) *redis.Options {
	return &redis.Options{
		Addr:                  addr,
		DialTimeout:           clientDialTimeout,
		DialerRetries:         clientDialAttempts,
		ReadTimeout:           clientIOTimeout,
		WriteTimeout:          clientIOTimeout,
		PoolTimeout:           clientPoolTimeout,
		MaxRetries:            clientMaxRetries,
		ContextTimeoutEnabled: true,
	}
}

// Client returns a new go-redis client for r.Addr with ClientOptions. Each
// call makes a new client with its own pool; the caller closes it.
func (r *Redis) Client() *redis.Client {
	return redis.NewClient(ClientOptions(r.Addr))
}

// DefaultMaxStaleness is the bound CachingClientOptions applies when the
// caller gives none: how long a cached reply may be served, whatever
// happens to the invalidation stream.
const DefaultMaxStaleness = time.Second

// cachingMaxEntries bounds a caching client's cache: the blacklist and
// session lookups of 10 000 live logins.
const cachingMaxEntries = 10_000

// CachingClientOptions returns ClientOptions(addr) with go-redis's
// built-in client-side cache switched on (RESP3 CLIENT TRACKING): a read
// of a key the process has read before is answered from memory, and Redis
// pushes an invalidation to the process when any client changes the key.
// The suite uses no cache of its own: this is the library's.
//
// maxStaleness is the hard bound on a cached reply's age (go-redis's
// CacheConfig.MaxStaleness, counted from the fetch): it is what bounds
// how long a revoked credential can still be accepted when invalidations
// stop arriving — a partition that keeps the TCP connection open but
// carries nothing, or a Redis that is gone before the client notices.
// Without it an entry would be served until evicted, so a zero or
// negative maxStaleness is refused here and replaced by
// DefaultMaxStaleness. A connection that closes takes the entries it
// fetched with it (go-redis evicts them), and a fetch that fails returns
// the error, so the backends above fail closed once the bound is past.
//
// Invalidations reach an idle pooled connection at the next drain tick
// (go-redis's DrainInterval, default 5 ms) or at the next command on it:
// that, not MaxStaleness, is the usual revocation window, and the
// frontier scenario measures it.
//
// The cache needs a standalone client on database 0; go-redis refuses it
// on a Cluster client.
func CachingClientOptions(addr string, maxStaleness time.Duration) *redis.Options {
	if maxStaleness <= 0 {
		maxStaleness = DefaultMaxStaleness
	}
	o := ClientOptions(addr)
	o.Protocol = 3
	o.ClientSideCacheConfig = &redis.ClientSideCacheConfig{
		MaxEntries:   cachingMaxEntries,
		MaxStaleness: maxStaleness,
	}
	return o
}
