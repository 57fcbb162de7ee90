package jwtauth

import (
	"errors"
	"testing"
	"time"

	"github.com/authbench/authbench/internal/cachetest"
	"github.com/authbench/authbench/internal/csc"
	"github.com/authbench/authbench/redisprov"
	"github.com/redis/go-redis/v9"
)

// cachedVariant builds jwt-blacklist-cached (epoch false) or
// jwt-epoch-cached on the client the test gives it.
func cachedVariant(epoch bool) cachetest.New {
	return func(tb testing.TB, client *redis.Client, prefix string) cachetest.Backend {
		tb.Helper()
		b, err := New(Config{Keys: testKeys(tb, AlgHS256), Blacklist: client, Prefix: prefix, Epoch: epoch})
		if err != nil {
			tb.Fatal(err)
		}
		return b
	}
}

func TestCachedVariantNames(t *testing.T) {
	for _, tt := range []struct {
		epoch bool
		want  string
	}{{false, "jwt-blacklist-cached"}, {true, "jwt-epoch-cached"}} {
		p := cachetest.NewPair(t, cachedVariant(tt.epoch))
		if got := p.Cached.Info().Name; got != tt.want {
			t.Errorf("Info().Name = %q, want %q", got, tt.want)
		}
	}
}

// TestCachedRevocationBound: see package cachetest.
func TestCachedRevocationBound(t *testing.T) {
	t.Run("jwt-blacklist-cached", func(t *testing.T) { cachetest.RevocationBound(t, cachedVariant(false)) })
	t.Run("jwt-epoch-cached", func(t *testing.T) { cachetest.RevocationBound(t, cachedVariant(true)) })
}

// TestUnboundedCacheRefused: a caching client without MaxStaleness would
// let a partitioned instance accept a revoked credential indefinitely.
func TestUnboundedCacheRefused(t *testing.T) {
	o := redisprov.CachingClientOptions("127.0.0.1:1", time.Second)
	o.ClientSideCacheConfig.MaxStaleness = 0
	client := redis.NewClient(o)
	t.Cleanup(func() { _ = client.Close() })
	_, err := New(Config{Keys: testKeys(t, AlgHS256), Blacklist: client})
	if !errors.Is(err, csc.ErrUnbounded) {
		t.Fatalf("New with an unbounded cache: %v, want %v", err, csc.ErrUnbounded)
	}
}
