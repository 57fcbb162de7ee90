package variants

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/authbench/authbench/jwtauth"
	"github.com/authbench/authbench/redisprov"
	"github.com/authbench/authbench/redisprov/redistest"
	"github.com/redis/go-redis/v9"
)

// testConfig is a Config every variant can be built from, on the test
// binary's shared Redis.
func testConfig(t *testing.T) Config {
	t.Helper()
	rdb, prefix := redistest.Shared(t)
	keys, err := jwtauth.GenerateKeys(jwtauth.AlgHS256)
	if err != nil {
		t.Fatal(err)
	}
	caching := redis.NewClient(redisprov.CachingClientOptions(rdb.Options().Addr, DefaultMaxStaleness))
	t.Cleanup(func() { _ = caching.Close() })
	return Config{Keys: keys, Redis: rdb, CachingRedis: caching, Prefix: prefix}
}

// TestEveryVariant builds each registered variant and logs a user in
// and out through it: its backend names itself as the registry does, and
// its revocation bounds read as a bound with a unit.
func TestEveryVariant(t *testing.T) {
	cfg := testConfig(t)
	wantBounds := map[string][2]string{
		"none":                 {"unsupported", "unsupported"},
		"jwt":                  {"≤ 15m0s (access TTL)", "unsupported"},
		"jwt-short":            {"≤ 1m0s (access TTL)", "unsupported"},
		"jwt-epoch":            {"≤ 1s (cache staleness)", "≤ 1s (cache staleness)"},
		"jwt-blacklist-cached": {"≤ 1s (cache staleness)", "≤ 1s (cache staleness)"},
		"jwt-blacklist":        {"0", "0"},
		"session-cached":       {"≤ 1s (cache staleness)", "≤ 1s (cache staleness)"},
		"session":              {"0", "0"},
		"session-memory":       {"0", "0"},
	}
	if len(wantBounds) != len(All()) {
		t.Errorf("%d variants registered, this test knows %d: add the new one here", len(All()), len(wantBounds))
	}
	for _, v := range All() {
		t.Run(v.Name, func(t *testing.T) {
			b, err := v.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got := b.Info().Name; got != v.Name {
				t.Errorf("Info().Name = %q, want %q", got, v.Name)
			}
			lo, ru := v.Bounds(cfg)
			if got := [2]string{lo.String(), ru.String()}; got != wantBounds[v.Name] {
				t.Errorf("Bounds = %q, want %q", got, wantBounds[v.Name])
			}
			info := v.Info(b, cfg)
			if info.Name != v.Name || info.LogoutBound == nil || *info.LogoutBound != lo ||
				info.RevokeUserBound == nil || *info.RevokeUserBound != ru ||
				info.Colour != v.Colour || info.Marker != v.Marker || info.Store != v.Store.String() {
				t.Errorf("Info(b, cfg) = %+v, want the registry's facts", info)
			}
			rec := httptest.NewRecorder()
			if _, err := b.Login(rec, httptest.NewRequest(http.MethodPost, "/auth/login", nil), "alice"); err != nil {
				t.Fatalf("Login: %v", err)
			}
			r := httptest.NewRequest(http.MethodGet, "/api/me", nil)
			for _, c := range rec.Result().Cookies() {
				r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
			}
			if v.Name != "none" {
				if id, err := b.Authenticate(r); err != nil || id.User != "alice" {
					t.Fatalf("Authenticate = %+v, %v; want alice", id, err)
				}
			}
		})
	}
}

func TestRegistryIsConsistent(t *testing.T) {
	seen := map[string]string{}
	for _, v := range All() {
		for what, key := range map[string]string{"name": v.Name, "colour": v.Colour, "marker": v.Marker} {
			if key == "" {
				t.Errorf("%s: empty %s", v.Name, what)
			}
			if other, dup := seen[what+"="+key]; dup {
				t.Errorf("%s and %s share the %s %q", other, v.Name, what, key)
			}
			seen[what+"="+key] = v.Name
		}
		if v.JWT != strings.HasPrefix(v.Name, "jwt") {
			t.Errorf("%s: JWT = %v; the jwt variants are the ones named jwt…", v.Name, v.JWT)
		}
		if v.Summary == "" {
			t.Errorf("%s: no summary for --help", v.Name)
		}
	}
}

func TestLookupAndMissingStores(t *testing.T) {
	if _, err := Lookup("ldap"); !errors.Is(err, ErrUnknown) {
		t.Errorf("Lookup(ldap) = %v, want %v", err, ErrUnknown)
	}
	keys, err := jwtauth.GenerateKeys(jwtauth.AlgHS256)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		variant string
		cfg     Config
		want    string // substring of the error, "" for none
	}{
		{"jwt", Config{Keys: keys}, ""},
		{"jwt", Config{}, "Config.Keys"},
		{"jwt-blacklist", Config{Keys: keys}, "needs a Redis"},
		{"session", Config{}, "needs a Redis"},
		{"jwt-epoch", Config{Keys: keys}, "client-side cache"},
		{"session-cached", Config{}, "client-side cache"},
		{"session-memory", Config{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.variant+"/"+tt.want, func(t *testing.T) {
			v, err := Lookup(tt.variant)
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.New(tt.cfg)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("New: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("New: %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}
