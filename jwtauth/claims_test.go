package jwtauth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/authbench/authbench"
	"github.com/golang-jwt/jwt/v5"
)

// TestBadTokens presents hostile and broken tokens to Parse, Authenticate
// and (as refresh tokens) Refresh, in both variants, and checks each gets
// the right sentinel.
func TestBadTokens(t *testing.T) {
	type env struct {
		b     *Backend
		now   time.Time
		login creds // a genuine login of "alice" at now
	}
	// hs signs a token with the configured HS256 secret.
	hs := func(tb testing.TB, e env, c jwt.Claims, header func(map[string]any)) string {
		return forge(tb, jwt.SigningMethodHS256, e.b.keys.sign, c, header)
	}
	access := func(e env, mod func(*Claims)) *Claims {
		c := validClaims(e.b, e.now, UseAccess)
		if mod != nil {
			mod(c)
		}
		return c
	}

	tests := []struct {
		name  string
		alg   string // configured algorithm; default HS256
		token func(tb testing.TB, e env) string
		// wantErr is what Parse and Authenticate return.
		wantErr error
		// refreshErr is what Refresh returns for the token as refresh
		// cookie: ErrUnauthenticated when nil (an access-shaped token is
		// never a refresh token) unless refreshOK.
		refreshErr error
		refreshOK  bool
	}{
		{
			name:    "control: genuine forged-by-us access token",
			token:   func(tb testing.TB, e env) string { return hs(tb, e, access(e, nil), nil) },
			wantErr: nil,
		},
		{
			name: "control: kid and jku headers are ignored",
			token: func(tb testing.TB, e env) string {
				return hs(tb, e, access(e, nil), func(h map[string]any) { h["kid"] = "../../etc/passwd"; h["jku"] = "https://evil.example/jwks" })
			},
			wantErr: nil,
		},
		{name: "empty", token: func(testing.TB, env) string { return "" }, wantErr: authbench.ErrUnauthenticated},
		{name: "garbage", token: func(testing.TB, env) string { return "not-a-jwt" }, wantErr: authbench.ErrUnauthenticated},
		{name: "three empty segments", token: func(testing.TB, env) string { return ".." }, wantErr: authbench.ErrUnauthenticated},
		{name: "four segments", token: func(tb testing.TB, e env) string { return e.login.access.Value + ".x" }, wantErr: authbench.ErrUnauthenticated},
		{name: "base64 but not JSON", token: func(testing.TB, env) string { return "aGVsbG8.d29ybGQ.c2ln" }, wantErr: authbench.ErrUnauthenticated},
		{
			name:    "truncated",
			token:   func(tb testing.TB, e env) string { v := e.login.access.Value; return v[:len(v)-10] },
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name: "tampered payload",
			token: func(tb testing.TB, e env) string {
				parts := strings.Split(e.login.access.Value, ".")
				raw, err := base64.RawURLEncoding.DecodeString(parts[1])
				if err != nil {
					tb.Fatal(err)
				}
				var m map[string]any
				if err := json.Unmarshal(raw, &m); err != nil {
					tb.Fatal(err)
				}
				m["sub"] = "admin"
				raw, _ = json.Marshal(m)
				parts[1] = base64.RawURLEncoding.EncodeToString(raw)
				return strings.Join(parts, ".")
			},
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name: "non-canonical base64 in signature (strict decoding)",
			token: func(tb testing.TB, e env) string {
				// An HS256 signature is 32 bytes: 43 characters whose last
				// one carries 2 unused bits. Setting one gives another
				// spelling of the same bytes, which lenient decoding accepts.
				const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
				v := e.login.access.Value
				last := strings.IndexByte(alphabet, v[len(v)-1])
				return v[:len(v)-1] + string(alphabet[last|1])
			},
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name: "padded base64",
			token: func(tb testing.TB, e env) string {
				// An HS256 signature is 43 characters: padding would add one "=".
				return e.login.access.Value + "="
			},
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name: "wrong key",
			token: func(tb testing.TB, e env) string {
				return forge(tb, jwt.SigningMethodHS256, []byte("another secret, 32 bytes or more!!"), access(e, nil), nil)
			},
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name: "alg none",
			token: func(tb testing.TB, e env) string {
				return unsigned(tb, map[string]any{"alg": "none", "typ": "JWT"}, access(e, nil))
			},
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name: "alg None",
			token: func(tb testing.TB, e env) string {
				return unsigned(tb, map[string]any{"alg": "None", "typ": "JWT"}, access(e, nil))
			},
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name: "alg NONE",
			token: func(tb testing.TB, e env) string {
				return unsigned(tb, map[string]any{"alg": "NONE", "typ": "JWT"}, access(e, nil))
			},
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name: "alg none signed by golang-jwt itself",
			token: func(tb testing.TB, e env) string {
				return forge(tb, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, access(e, nil), nil)
			},
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name:    "no alg",
			token:   func(tb testing.TB, e env) string { return unsigned(tb, map[string]any{"typ": "JWT"}, access(e, nil)) },
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name: "HS256 MACed with the RS256 public key PEM (algorithm confusion)",
			alg:  AlgRS256,
			token: func(tb testing.TB, e env) string {
				pub, err := e.b.keys.PublicKeyPEM()
				if err != nil {
					tb.Fatal(err)
				}
				return forge(tb, jwt.SigningMethodHS256, pub, access(e, nil), nil)
			},
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name: "another algorithm than configured (ES256 for HS256)",
			token: func(tb testing.TB, e env) string {
				return forge(tb, jwt.SigningMethodES256, testKeys(tb, AlgES256).sign, access(e, nil), nil)
			},
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name: "another algorithm than configured (EdDSA for RS256)",
			alg:  AlgRS256,
			token: func(tb testing.TB, e env) string {
				return forge(tb, jwt.SigningMethodEdDSA, testKeys(tb, AlgEdDSA).sign, access(e, nil), nil)
			},
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name: "RS512 with the right RSA key",
			alg:  AlgRS256,
			token: func(tb testing.TB, e env) string {
				return forge(tb, jwt.SigningMethodRS512, e.b.keys.sign, access(e, nil), nil)
			},
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name: "expired",
			token: func(tb testing.TB, e env) string {
				return hs(tb, e, access(e, func(c *Claims) { c.ExpiresAt = jwt.NewNumericDate(e.now.Add(-time.Second)) }), nil)
			},
			wantErr: authbench.ErrExpired,
		},
		{
			name: "expired exactly now",
			token: func(tb testing.TB, e env) string {
				return hs(tb, e, access(e, func(c *Claims) { c.ExpiresAt = jwt.NewNumericDate(e.now) }), nil)
			},
			wantErr: authbench.ErrExpired,
		},
		{
			name: "expired and wrong audience is invalid, not expired",
			token: func(tb testing.TB, e env) string {
				return hs(tb, e, access(e, func(c *Claims) {
					c.ExpiresAt = jwt.NewNumericDate(e.now.Add(-time.Second))
					c.Audience = jwt.ClaimStrings{"elsewhere"}
				}), nil)
			},
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name: "expired refresh token presented as access token",
			token: func(tb testing.TB, e env) string {
				c := validClaims(e.b, e.now, UseRefresh)
				c.ExpiresAt = jwt.NewNumericDate(e.now.Add(-time.Second))
				return hs(tb, e, c, nil)
			},
			wantErr: authbench.ErrUnauthenticated, refreshErr: authbench.ErrExpired,
		},
		{
			name: "not before in the future",
			token: func(tb testing.TB, e env) string {
				return hs(tb, e, access(e, func(c *Claims) { c.NotBefore = jwt.NewNumericDate(e.now.Add(time.Minute)) }), nil)
			},
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name: "issued in the future",
			token: func(tb testing.TB, e env) string {
				return hs(tb, e, access(e, func(c *Claims) { c.IssuedAt = jwt.NewNumericDate(e.now.Add(time.Minute)) }), nil)
			},
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name: "wrong issuer",
			token: func(tb testing.TB, e env) string {
				return hs(tb, e, access(e, func(c *Claims) { c.Issuer = "elsewhere" }), nil)
			},
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name:    "no issuer",
			token:   func(tb testing.TB, e env) string { return hs(tb, e, access(e, func(c *Claims) { c.Issuer = "" }), nil) },
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name: "wrong audience",
			token: func(tb testing.TB, e env) string {
				return hs(tb, e, access(e, func(c *Claims) { c.Audience = jwt.ClaimStrings{"elsewhere"} }), nil)
			},
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name: "no audience",
			token: func(tb testing.TB, e env) string {
				return hs(tb, e, access(e, func(c *Claims) { c.Audience = nil }), nil)
			},
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name: "missing exp",
			token: func(tb testing.TB, e env) string {
				return hs(tb, e, access(e, func(c *Claims) { c.ExpiresAt = nil }), nil)
			},
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name: "missing sub",
			token: func(tb testing.TB, e env) string {
				return hs(tb, e, access(e, func(c *Claims) { c.Subject = "" }), nil)
			},
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name:    "missing fam",
			token:   func(tb testing.TB, e env) string { return hs(tb, e, access(e, func(c *Claims) { c.Family = "" }), nil) },
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name: "missing iat_us",
			token: func(tb testing.TB, e env) string {
				return hs(tb, e, access(e, func(c *Claims) { c.IssuedMicros = 0 }), nil)
			},
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name:    "missing use",
			token:   func(tb testing.TB, e env) string { return hs(tb, e, access(e, func(c *Claims) { c.Use = "" }), nil) },
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name:    "exp of the wrong type",
			token:   func(tb testing.TB, e env) string { return hs(tb, e, jwt.MapClaims{"exp": "tomorrow", "sub": "x"}, nil) },
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name:    "refresh token used as access token",
			token:   func(tb testing.TB, e env) string { return e.login.refresh.Value },
			wantErr: authbench.ErrUnauthenticated, refreshOK: true,
		},
		{
			name:    "access token used as refresh token",
			token:   func(tb testing.TB, e env) string { return e.login.access.Value },
			wantErr: nil,
		},
		{
			name: "crit header",
			token: func(tb testing.TB, e env) string {
				return hs(tb, e, access(e, nil), func(h map[string]any) { h["crit"] = []string{"exp"} })
			},
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name: "empty crit header",
			token: func(tb testing.TB, e env) string {
				return hs(tb, e, access(e, nil), func(h map[string]any) { h["crit"] = []string{} })
			},
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name: "5000-byte token",
			token: func(tb testing.TB, e env) string {
				return hs(tb, e, access(e, func(c *Claims) { c.Subject = strings.Repeat("a", 5000) }), nil)
			},
			wantErr: authbench.ErrUnauthenticated,
		},
		{
			name:    "5000 bytes of dots",
			token:   func(tb testing.TB, e env) string { return strings.Repeat(".", 5000) },
			wantErr: authbench.ErrUnauthenticated,
		},
	}
	for _, variant := range variants {
		t.Run(variant, func(t *testing.T) {
			clk := newClock()
			backends := map[string]*Backend{}
			for _, alg := range []string{AlgHS256, AlgRS256} {
				backends[alg] = newTestBackend(t, variant, testKeys(t, alg), clk, nil)
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					alg := tt.alg
					if alg == "" {
						alg = AlgHS256
					}
					e := env{b: backends[alg], now: clk.Now()}
					e.login = login(t, e.b, "alice")
					token := tt.token(t, e)
					refreshErr := tt.refreshErr
					if refreshErr == nil && !tt.refreshOK {
						refreshErr = authbench.ErrUnauthenticated
					}

					c, err := e.b.Parse(token)
					checkErr(t, "Parse", err, tt.wantErr)
					if (c == nil) != (err != nil) {
						t.Errorf("Parse returned claims %v with error %v", c, err)
					}
					// Authenticate goes through ReadCookie, which refuses
					// empty and oversized values itself.
					checkErr(t, "Authenticate", authenticate(e.b, token), tt.wantErr)
					_, err = refresh(t, e.b, token)
					checkErr(t, "Refresh", err, refreshErr)
				})
			}
		})
	}
}

// TestExpiredIsNotUnauthenticated pins that ErrExpired is not also
// ErrUnauthenticated: the handler set treats them alike, but reports count
// them apart.
func TestExpiredIsNotUnauthenticated(t *testing.T) {
	clk := newClock()
	b := newTestBackend(t, "jwt", testKeys(t, AlgHS256), clk, nil)
	cr := login(t, b, "alice")
	clk.Advance(b.accessTTL)
	err := authenticate(b, cr.access.Value)
	checkErr(t, "Authenticate", err, authbench.ErrExpired)
	if errors.Is(err, authbench.ErrUnauthenticated) {
		t.Errorf("expired token error %v also matches ErrUnauthenticated", err)
	}
	if !errors.Is(err, jwt.ErrTokenExpired) {
		t.Errorf("error %v does not wrap jwt.ErrTokenExpired for detail", err)
	}
}

// TestLeeway checks the clock-skew allowance on both edges of a token's
// life.
func TestLeeway(t *testing.T) {
	const leeway = 30 * time.Second
	tests := []struct {
		name    string
		at      time.Duration // clock offset from issue
		wantErr error
	}{
		{name: "issued 20s in the future (signer's clock ahead)", at: -20 * time.Second, wantErr: nil},
		{name: "issued 31s in the future", at: -31 * time.Second, wantErr: authbench.ErrUnauthenticated},
		{name: "just issued", at: 0, wantErr: nil},
		{name: "expired 29s ago", at: DefaultAccessTTL + 29*time.Second, wantErr: nil},
		{name: "expired 30s ago", at: DefaultAccessTTL + leeway, wantErr: authbench.ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			b := newTestBackend(t, "jwt", testKeys(t, AlgHS256), clk, func(c *Config) { c.Leeway = leeway })
			cr := login(t, b, "alice")
			clk.Advance(tt.at)
			checkErr(t, "Authenticate", authenticate(b, cr.access.Value), tt.wantErr)
		})
	}
}
