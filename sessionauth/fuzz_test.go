package sessionauth

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/authbench/authbench"
)

// FuzzLookup feeds arbitrary cookie values to Lookup, signed and unsigned,
// against a real Redis and the in-memory storage, each holding one
// genuine session. Whatever the input it must not panic; it may succeed
// only for the genuine cookie; every refusal wraps ErrUnauthenticated (the
// store is up, so never ErrStoreUnavailable); a value not shaped like an
// issued ID reaches the storage with no command at all; and no lookup
// ever creates a key.
func FuzzLookup(f *testing.F) {
	var envs []*env
	for _, kind := range storeKinds {
		envs = append(envs, newEnvOn(f, kind, false), newEnvOn(f, kind, true))
	}
	genuine := make([]string, len(envs))
	keys := make([]int, len(envs))
	for i, e := range envs {
		genuine[i] = e.login(f, request(), "user-1").Value
		keys[i] = len(e.keys(f))
	}
	for _, s := range []string{
		"", genuine[0], genuine[1], genuine[0][:len(genuine[0])-1], genuine[1] + "=",
		strings.Repeat("A", IDLen), strings.Repeat("A", IDLen-1) + "B", "MTIzfDQ1Nnw3ODk=",
		"../../../../etc/passwd", "*", "sess:*", strings.Repeat("A", 4097),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		for i, e := range envs {
			e.resetOps()
			_, err := e.b.Lookup(context.Background(), value)
			if err == nil {
				if value != genuine[i] {
					t.Fatalf("Lookup(%q) accepted a cookie never issued", value)
				}
				continue
			}
			if !errors.Is(err, authbench.ErrUnauthenticated) {
				t.Fatalf("Lookup(%q): %v, want ErrUnauthenticated", value, err)
			}
			if e.b.store.codec.sc == nil && !validID(value) {
				if ops := e.opNames(); ops != "" {
					t.Fatalf("Lookup(%q) of a malformed unsigned value sent %s to the %s storage", value, ops, e.kind)
				}
			}
			if n := len(e.keys(t)); n != keys[i] {
				t.Fatalf("Lookup(%q) changed the number of keys from %d to %d", value, keys[i], n)
			}
		}
	})
}
