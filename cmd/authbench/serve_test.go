package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestServeFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // substring of the error
	}{
		{"unknown backend", []string{"--backend", "ldap"}, `--backend "ldap"`},
		{"unknown flag", []string{"--nope"}, "flag provided but not defined: -nope"},
		{"bad duration", []string{"--access-ttl", "15"}, "access-ttl"},
		{"negative ttl", []string{"--access-ttl", "-1m"}, "--access-ttl -1m0s"},
		{"tls half", []string{"--tls-cert", "c.pem"}, "--tls-cert and --tls-key"},
		{"no users", []string{"--users", "0"}, "--users 0"},
		{"absolute shorter than idle", []string{"--idle-timeout", "1h", "--absolute-timeout", "1m"}, "--absolute-timeout"},
		{"stray argument", []string{"extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := run(context.Background(), append([]string{"serve"}, tt.args...), &out, &errb)
			var u usageError
			if !errors.As(err, &u) {
				t.Fatalf("err = %v, want a usage error", err)
			}
			if exitCode(err) != 2 {
				t.Errorf("exit code %d, want 2", exitCode(err))
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {}} {
		var out bytes.Buffer
		if err := run(context.Background(), args, &out, io.Discard); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if !strings.Contains(out.String(), "serve") {
			t.Errorf("%v: usage lists no serve command:\n%s", args, out.String())
		}
	}
	var out bytes.Buffer
	err := run(context.Background(), []string{"serve", "--help"}, &out, io.Discard)
	if err == nil || !strings.Contains(out.String(), "--bcrypt-cost") || !strings.Contains(out.String(), "jwt-blacklist") {
		t.Errorf("serve --help: err=%v, output lacks the flags or backends:\n%s", err, out.String())
	}
	if err := run(context.Background(), []string{"frobnicate"}, io.Discard, io.Discard); exitCode(err) != 2 {
		t.Errorf("unknown command: %v, want exit code 2", err)
	}
}

// TestServe runs "authbench serve" in-process on a free port for the
// stateless backend (no Redis needed), logs in, and shuts it down the way
// SIGINT would.
func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--backend", "jwt", "--addr", "127.0.0.1:0", "--bcrypt-cost", "4", "--users", "5"}, pw, io.Discard)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	var base string
	for sc.Scan() {
		if _, after, ok := strings.Cut(sc.Text(), "listening on "); ok {
			base = after
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if base == "" {
		t.Fatalf("serve printed no listening line: %v", <-done)
	}
	resp, err := http.Post(base+"/auth/login", "application/json", strings.NewReader(`{"username":"user-4","password":"password"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(resp.Cookies()) != 2 {
		t.Fatalf("login: %d with %d cookies", resp.StatusCode, len(resp.Cookies()))
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after shutdown", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not shut down")
	}
}
