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
