package redistest

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authbench/authbench/redisprov"
	"github.com/redis/go-redis/v9"
)

func TestShared(t *testing.T) {
	_, outerPrefix := Shared(t)
	observer := redis.NewClient(redisprov.ClientOptions(shared.redis.Addr))
	defer observer.Close()
	ctx := context.Background()
	outside := outerPrefix + "outside"
	if err := observer.Set(ctx, outside, "keep", 0).Err(); err != nil {
		t.Fatal(err)
	}

	var prefixes []string
	for i := range 2 {
		t.Run("test"+strconv.Itoa(i), func(t *testing.T) {
			client, prefix := Shared(t)
			if !strings.HasPrefix(prefix, PrefixBase) || len(prefix) != len(PrefixBase)+9 {
				t.Errorf("prefix = %q, want %q and 8 hex digits and a colon", prefix, PrefixBase)
			}
			for _, p := range prefixes {
				if p == prefix {
					t.Errorf("prefix %q handed out twice", prefix)
				}
			}
			prefixes = append(prefixes, prefix)
			if err := client.Set(ctx, prefix+"k", "v", time.Minute).Err(); err != nil {
				t.Fatalf("SET: %v", err)
			}
			client.Close() // cleanup must cope with a client the test closed
		})
		// The subtest's cleanups have run.
		if n, err := observer.Exists(ctx, prefixes[i]+"k").Result(); err != nil || n != 0 {
			t.Errorf("key under %q after its test: exists=%d err=%v, want deleted", prefixes[i], n, err)
		}
	}
	if got, err := observer.Get(ctx, outside).Result(); err != nil || got != "keep" {
		t.Errorf("key outside the subtests' prefixes = %q, %v; want it kept", got, err)
	}
	if shared.redis.Kind == redisprov.KindEmbedded && !allowEmbedded() {
		t.Errorf("shared Redis is embedded without %s=1", EnvAllowEmbedded)
	}
}

func TestPrivate(t *testing.T) {
	r := Private(t)
	if r.Kind != redisprov.KindLocal && r.Kind != redisprov.KindEmbedded {
		t.Fatalf("Kind = %q, want a Redis the test can stop", r.Kind)
	}
	if !strings.HasPrefix(r.Prefix, PrefixBase) {
		t.Errorf("Prefix = %q, want it under %q", r.Prefix, PrefixBase)
	}
	c := r.Client()
	defer c.Close()
	ctx := context.Background()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING: %v", err)
	}
	if err := r.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := c.Ping(ctx).Err(); err == nil {
		t.Fatal("PING during the outage succeeded")
	}
	if err := r.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	var err error
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if err = c.Ping(ctx).Err(); err == nil {
			break
		}
	}
	if err != nil {
		t.Errorf("PING after the outage: %v", err)
	}
}

func TestProvision(t *testing.T) {
	docker := redisprov.DockerEngine(context.Background()) == nil
	_, lookErr := exec.LookPath("redis-server")
	given := Private(t)
	tests := []struct {
		name        string
		addr        string
		embeddedOK  bool
		emptyPATH   bool // hide redis-server
		skip        bool // the case cannot be set up on this machine
		wantKind    redisprov.Kind
		wantErrText string // substring of the expected error, "" for none
	}{
		{name: "given address", addr: given.Addr, wantKind: redisprov.KindGiven},
		{name: "given address that does not answer", addr: "127.0.0.1:1", wantErrText: "127.0.0.1:1"},
		{name: "redis-server", skip: docker || lookErr != nil, wantKind: redisprov.KindLocal},
		{name: "nothing real, embedded refused", emptyPATH: true, skip: docker, wantErrText: "apt-get install redis-server"},
		{name: "nothing real, embedded allowed", emptyPATH: true, embeddedOK: true, skip: docker, wantKind: redisprov.KindEmbedded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.skip {
				t.Skip("cannot be set up here (Docker answers, or no redis-server)")
			}
			if tt.emptyPATH {
				t.Setenv("PATH", t.TempDir())
			}
			r, err := provision(context.Background(), tt.addr, tt.embeddedOK)
			if (err != nil) != (tt.wantErrText != "") || (err != nil && !strings.Contains(err.Error(), tt.wantErrText)) {
				t.Fatalf("provision error = %v, want one containing %q", err, tt.wantErrText)
			}
			if err != nil {
				return
			}
			defer r.Close()
			if r.Kind != tt.wantKind {
				t.Errorf("Kind = %q, want %q", r.Kind, tt.wantKind)
			}
		})
	}
}
