package report

import (
	"reflect"
	"testing"
	"time"

	"github.com/authbench/authbench"
	"github.com/authbench/authbench/jwtauth"
	"github.com/authbench/authbench/results"
	"github.com/authbench/authbench/server"
	"github.com/authbench/authbench/sessionauth"
	"github.com/redis/go-redis/v9"
)

// TestFactsMatchBackends keeps the facts of results written before Info
// was recorded true to the backends' own Info(). The Redis client is never used: constructing a
// backend does not connect, and the address is one nothing listens on.
func TestFactsMatchBackends(t *testing.T) {
	rc := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { rc.Close() })
	keys, err := jwtauth.HMACKeys([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	mk := func(b authbench.Backend, err error) authbench.Backend {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name    string
		backend authbench.Backend
	}{
		{name: "none", backend: server.NoAuth{}},
		{name: "jwt", backend: mk(jwtauth.New(jwtauth.Config{Keys: keys}))},
		{name: "jwt-blacklist", backend: mk(jwtauth.New(jwtauth.Config{Keys: keys, Blacklist: rc}))},
		{name: "session", backend: mk(sessionauth.New(sessionauth.Config{Client: rc}))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := tt.backend.Info()
			if info.Name != tt.name {
				t.Fatalf("Info().Name = %q, want %q", info.Name, tt.name)
			}
			got := factsOf(results.VariantResult{Variant: tt.name})
			want := Facts{Stateful: info.Stateful, Logout: info.Logout, RevokeUser: info.RevokeUser, Known: true}
			if got != want {
				t.Errorf("facts[%q] = %+v, backend says %+v", tt.name, got, want)
			}
		})
	}
}

// TestFactsFromInfo: a recorded Info is what the report says of a
// variant, including one the frozen table never heard of.
func TestFactsFromInfo(t *testing.T) {
	b := authbench.Bound{Max: time.Second, Basis: "cache staleness"}
	tests := []struct {
		name string
		v    results.VariantResult
		want Facts
	}{
		{name: "new variant from its info",
			v: results.VariantResult{Variant: "jwt-epoch", Info: &authbench.Info{Name: "jwt-epoch", Stateful: true,
				Logout: authbench.RevocationImmediate, RevokeUser: authbench.RevocationImmediate,
				LogoutBound: &b, RevokeUserBound: &b, Store: "redis-cached", Colour: "#009E73", Marker: "square"}},
			want: Facts{Stateful: true, Logout: authbench.RevocationImmediate, RevokeUser: authbench.RevocationImmediate,
				LogoutBound: &b, RevokeUserBound: &b, Store: "redis-cached", Colour: "#009E73", Marker: "square", Known: true}},
		{name: "info wins over the frozen table",
			v:    results.VariantResult{Variant: "jwt", Info: &authbench.Info{Name: "jwt", Stateful: true}},
			want: Facts{Stateful: true, Known: true}},
		{name: "new variant without info is unknown",
			v:    results.VariantResult{Variant: "session-cached"},
			want: Facts{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := factsOf(tt.v); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("factsOf = %+v, want %+v", got, tt.want)
			}
		})
	}
}
