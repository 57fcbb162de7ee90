// Package csc tells the backends whether the Redis client they were given
// answers reads from go-redis's client-side cache (RESP3 CLIENT TRACKING),
// and with which bound on a cached reply's age. A backend states its
// revocation bound from the client itself, not from a second setting that
// could disagree with it. The cache is go-redis's own
// (redis.Options.ClientSideCacheConfig); nothing here caches.
package csc

import (
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrUnbounded: the client caches with no bound on a reply's age, so a
// partition that stops invalidations could keep a revoked credential
// accepted for as long as the entry stays cached.
var ErrUnbounded = errors.New("client-side cache without MaxStaleness")

// Staleness returns the bound on a cached reply's age when c caches
// (cached true), 0 and false when it does not. A client that caches
// without a positive MaxStaleness, or through a custom Cache whose bound
// cannot be read, is an error wrapping ErrUnbounded: a backend must not
// run on it.
func Staleness(c redis.UniversalClient) (bound time.Duration, cached bool, err error) {
	rc, ok := c.(*redis.Client)
	if !ok || rc == nil {
		return 0, false, nil
	}
	o := rc.Options()
	switch {
	case o.ClientSideCache != nil:
		return 0, true, fmt.Errorf("%w: a custom Cache's bound is unknown; use ClientSideCacheConfig with MaxStaleness", ErrUnbounded)
	case o.ClientSideCacheConfig == nil:
		return 0, false, nil
	case o.ClientSideCacheConfig.MaxStaleness <= 0:
		return 0, true, fmt.Errorf("%w: set ClientSideCacheConfig.MaxStaleness (redisprov.CachingClientOptions does)", ErrUnbounded)
	}
	return o.ClientSideCacheConfig.MaxStaleness, true, nil
}
