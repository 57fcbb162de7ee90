package csc

import (
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestStaleness(t *testing.T) {
	tests := []struct {
		name       string
		client     redis.UniversalClient
		wantBound  time.Duration
		wantCached bool
		wantErr    error
	}{
		{name: "nil", client: nil},
		{name: "plain client", client: redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})},
		{name: "cluster client", client: redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}})},
		{name: "bounded cache", client: redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", Protocol: 3,
			ClientSideCacheConfig: &redis.ClientSideCacheConfig{MaxEntries: 10, MaxStaleness: 250 * time.Millisecond}}),
			wantBound: 250 * time.Millisecond, wantCached: true},
		{name: "unbounded cache", client: redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", Protocol: 3,
			ClientSideCacheConfig: &redis.ClientSideCacheConfig{MaxEntries: 10}}),
			wantCached: true, wantErr: ErrUnbounded},
		{name: "custom cache", client: redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", Protocol: 3,
			ClientSideCache: redis.NewLocalCache(redis.CacheConfig{MaxEntries: 10})}),
			wantCached: true, wantErr: ErrUnbounded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.client != nil {
				t.Cleanup(func() { _ = tt.client.Close() })
			}
			bound, cached, err := Staleness(tt.client)
			if (err != nil) != (tt.wantErr != nil) || !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if bound != tt.wantBound || cached != tt.wantCached {
				t.Errorf("Staleness = %v, %v; want %v, %v", bound, cached, tt.wantBound, tt.wantCached)
			}
		})
	}
}
