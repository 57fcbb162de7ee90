package report

import (
	"testing"

	"github.com/authbench/authbench"
	"github.com/authbench/authbench/jwtauth"
	"github.com/authbench/authbench/server"
	"github.com/authbench/authbench/sessionauth"
	"github.com/redis/go-redis/v9"
)

// TestFactsMatchBackends keeps the report's revocation table true to the
// backends' own Info(). The Redis client is never used: constructing a
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
			got := factsOf(tt.name)
			want := Facts{Stateful: info.Stateful, Logout: info.Logout, RevokeUser: info.RevokeUser, Known: true}
			if got != want {
				t.Errorf("facts[%q] = %+v, backend says %+v", tt.name, got, want)
			}
		})
	}
}
