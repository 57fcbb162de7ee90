package jwtauth

import (
	"context"
	"errors"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authbench/authbench"
	"github.com/golang-jwt/jwt/v5"
)

// FuzzAccessToken feeds arbitrary strings to Parse, the verification
// Authenticate runs, with a leeway in play. It must not panic, and
// anything it accepts must be a token this deployment could have issued:
// the configured algorithm in the header, our iss and aud, use=access,
// exp not past (leeway included), at most MaxCookieBytes long.
func FuzzAccessToken(f *testing.F) {
	const leeway = 10 * time.Second
	clk := newClock()
	keys := testKeys(f, AlgES256)
	be := newTestBackend(f, "jwt", keys, clk, func(c *Config) { c.Leeway = leeway })
	cr := login(f, be, "user-42")
	parts := strings.Split(cr.access.Value, ".")
	h, p, s := parts[0], parts[1], parts[2]
	for _, seed := range []string{
		cr.access.Value, cr.refresh.Value, "", ".", "..", "...",
		h + "." + p + ".", h + "." + p, h + "." + p + "." + s + "=", h + "." + p + "." + s + ".",
		"eyJhbGciOiJub25lIn0." + p + ".", "eyJhbGciOiJIUzI1NiJ9." + p + "." + s,
		strings.Repeat("a", authbench.MaxCookieBytes+1),
	} {
		f.Add(seed)
	}
	parser := jwt.NewParser()
	f.Fuzz(func(t *testing.T, token string) {
		c, err := be.Parse(token)
		if err != nil {
			if !errors.Is(err, authbench.ErrUnauthenticated) && !errors.Is(err, authbench.ErrExpired) {
				t.Fatalf("Parse(%q): error %v wraps no expected sentinel", token, err)
			}
			return
		}
		tok, _, err := parser.ParseUnverified(token, &Claims{})
		switch {
		case err != nil:
			t.Fatalf("Parse(%q) accepted what an unverified parse refuses: %v", token, err)
		case tok.Method.Alg() != keys.Alg() || tok.Header["alg"] != keys.Alg():
			t.Fatalf("Parse(%q) accepted alg %v, configured %s", token, tok.Header["alg"], keys.Alg())
		case c.Issuer != DefaultIssuer || len(c.Audience) != 1 || c.Audience[0] != DefaultAudience:
			t.Fatalf("Parse(%q) accepted iss %q aud %v", token, c.Issuer, c.Audience)
		case c.Use != UseAccess:
			t.Fatalf("Parse(%q) accepted use %q", token, c.Use)
		case c.ExpiresAt == nil || !clk.Now().Before(c.ExpiresAt.Add(leeway)):
			t.Fatalf("Parse(%q) accepted exp %v at %v", token, c.ExpiresAt, clk.Now())
		case len(token) > authbench.MaxCookieBytes:
			t.Fatalf("Parse accepted a %d-byte token", len(token))
		}
	})
}

// FuzzRefreshRotation runs a random sequence of login, refresh, reuse of
// a rotated-out token and logout steps against jwt-blacklist on a real
// Redis, and checks each outcome against a model: a family's current
// refresh token rotates while the family lives, reusing any earlier one
// fails with ErrRevoked and revokes the family (the current token dies
// with it), logout revokes the family, and the store always names at most
// one live refresh token per family, the model's current one.
func FuzzRefreshRotation(f *testing.F) {
	clk := newClock()
	be := newTestBackend(f, "jwt-blacklist", testKeys(f, AlgHS256), clk, nil)
	for _, seed := range [][]byte{
		{0, 1, 1, 1},        // login, refresh ×3
		{0, 1, 2, 1},        // login, refresh, reuse, refresh (fails)
		{0, 0, 1, 5, 2, 3},  // two families, reuse in one
		{0, 3, 1},           // logout then refresh
		{0, 1, 1, 6, 10, 1}, // reuse of the oldest token
	} {
		f.Add(seed)
	}
	type family struct {
		tokens  []string // every refresh token issued, oldest first
		revoked bool
	}
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 48 {
			ops = ops[:48]
		}
		var fams []*family
		ctx := context.Background()
		for step, op := range ops {
			kind, arg := op%4, int(op/4)
			if kind != 0 && len(fams) == 0 {
				kind = 0
			}
			var fam *family
			if kind != 0 {
				fam = fams[arg%len(fams)]
			}
			if kind == 2 && len(fam.tokens) < 2 {
				kind = 1 // nothing rotated out yet: refresh instead
			}
			clk.Advance(time.Second)
			switch kind {
			case 0: // login
				fams = append(fams, &family{tokens: []string{login(t, be, "user-1").refresh.Value}})
			case 1: // refresh with the current token
				cur := fam.tokens[len(fam.tokens)-1]
				got, err := refresh(t, be, cur)
				if fam.revoked {
					checkErr(t, "step "+strconv.Itoa(step)+": refresh in a revoked family", err, authbench.ErrRevoked)
					break
				}
				checkErr(t, "step "+strconv.Itoa(step)+": refresh with the current token", err, nil)
				fam.tokens = append(fam.tokens, got.refresh.Value)
			case 2: // reuse a rotated-out token
				old := fam.tokens[arg%(len(fam.tokens)-1)]
				_, err := refresh(t, be, old)
				checkErr(t, "step "+strconv.Itoa(step)+": reuse of a rotated-out token", err, authbench.ErrRevoked)
				fam.revoked = true
			case 3: // logout with the refresh cookie
				rec := httptest.NewRecorder()
				if err := be.Logout(rec, refreshReq(fam.tokens[len(fam.tokens)-1])); err != nil {
					t.Fatalf("step %d: logout: %v", step, err)
				}
				fam.revoked = true
			}
			for i, fm := range fams {
				c, err := be.parse(fm.tokens[len(fm.tokens)-1], UseRefresh)
				if err != nil {
					t.Fatalf("step %d: family %d: parse current token: %v", step, i, err)
				}
				revoked := be.rdb.Exists(ctx, be.famRevokedKey(c.Subject, c.Family)).Val() == 1
				if revoked != fm.revoked {
					t.Fatalf("step %d: family %d: store says revoked=%v, model %v", step, i, revoked, fm.revoked)
				}
				if !fm.revoked {
					if live := be.rdb.Get(ctx, be.famKey(c.Subject, c.Family)).Val(); live != c.ID {
						t.Fatalf("step %d: family %d: store's live refresh token %q, want the current one %q", step, i, live, c.ID)
					}
				}
			}
		}
	})
}
