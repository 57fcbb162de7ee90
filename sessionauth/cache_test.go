package sessionauth

import (
	"errors"
	"testing"
	"time"

	"github.com/authbench/authbench/internal/cachetest"
	"github.com/authbench/authbench/internal/csc"
	"github.com/authbench/authbench/redisprov"
	"github.com/redis/go-redis/v9"
)

func newCached(tb testing.TB, client *redis.Client, prefix string) cachetest.Backend {
	tb.Helper()
	b, err := New(Config{Client: client, Prefix: prefix, HashKey: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestCachedRevocationBound: session-cached, see package cachetest.
func TestCachedRevocationBound(t *testing.T) {
	p := cachetest.NewPair(t, newCached)
	if got := p.Cached.Info().Name; got != "session-cached" {
		t.Fatalf("Info().Name = %q, want session-cached", got)
	}
	cachetest.RevocationBound(t, newCached)
}

// TestUnboundedCacheRefused: a caching client without MaxStaleness would
// let a partitioned instance accept a revoked session indefinitely.
func TestUnboundedCacheRefused(t *testing.T) {
	o := redisprov.CachingClientOptions("127.0.0.1:1", time.Second)
	o.ClientSideCacheConfig.MaxStaleness = 0
	client := redis.NewClient(o)
	t.Cleanup(func() { _ = client.Close() })
	_, err := New(Config{Client: client})
	if !errors.Is(err, csc.ErrUnbounded) {
		t.Fatalf("New with an unbounded cache: %v, want %v", err, csc.ErrUnbounded)
	}
}
