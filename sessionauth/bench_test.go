package sessionauth

import (
	"context"
	"testing"
	"time"

	"github.com/authbench/authbench/redisprov/redistest"
	"github.com/redis/go-redis/v9"
)

// BenchmarkLookup sets Lookup beside the floor it is meant to stay close
// to: a bare go-redis GET of the same value plus its decoding. The clock
// stands still, so no Lookup falls due for a touch.
func BenchmarkLookup(b *testing.B) {
	client, prefix := redistest.Shared(b)
	ctx := context.Background()
	frozen := func() time.Time { return t0 }
	for _, v := range variants {
		be, err := New(Config{Client: client, Prefix: prefix + v.name + ":", Unsigned: v.unsigned, Now: frozen})
		if err != nil {
			b.Fatal(err)
		}
		e := &env{b: be, clock: newClock()}
		cookie := e.login(b, nil, "user-42").Value
		key := be.store.SessionKey(e.idOf(b, cookie))
		b.Run("go-redis-get/"+v.name, func(b *testing.B) {
			benchLoop(b, func() error {
				val, err := client.Get(ctx, key).Result()
				if err != nil {
					return err
				}
				_, err = decodeRecord(val)
				return err
			})
		})
		b.Run("lookup/"+v.name, func(b *testing.B) {
			benchLoop(b, func() error {
				_, err := be.Lookup(ctx, cookie)
				return err
			})
		})
	}
}

// BenchmarkLookupMemory measures Lookup on the in-memory storage
// (session-memory): the same cookie decoding and deadline checks with no
// network round trip, the cost a sticky-session deployment pays per
// request.
func BenchmarkLookupMemory(b *testing.B) {
	ctx := context.Background()
	frozen := func() time.Time { return t0 }
	for _, v := range variants {
		be, err := New(Config{Memory: true, Unsigned: v.unsigned, Now: frozen})
		if err != nil {
			b.Fatal(err)
		}
		e := &env{b: be, clock: newClock()}
		cookie := e.login(b, nil, "user-42").Value
		b.Run(v.name, func(b *testing.B) {
			benchLoop(b, func() error {
				_, err := be.Lookup(ctx, cookie)
				return err
			})
		})
	}
}

// BenchmarkLookupMalformed measures refusing junk, which must not reach
// Redis.
func BenchmarkLookupMalformed(b *testing.B) {
	for _, v := range variants {
		be, err := New(Config{Client: unusedClient(b), Unsigned: v.unsigned})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(v.name, func(b *testing.B) {
			benchLoop(b, func() error {
				if _, err := be.Lookup(context.Background(), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB"); err == nil {
					return redis.Nil // anything non-nil: junk was accepted
				}
				return nil
			})
		})
	}
}

// benchLoop runs f b.N times, failing on the first error.
func benchLoop(b *testing.B, f func() error) {
	b.Helper()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := f(); err != nil {
			b.Fatal(err)
		}
	}
}
