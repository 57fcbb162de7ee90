package server_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/authbench/authbench/jwtauth"
)

// claims mirrors what jwtauth issues, for forging tokens in tests.
type claims struct {
	jwt.RegisteredClaims
	Use          string `json:"use"`
	Family       string `json:"fam,omitempty"`
	IssuedMicros int64  `json:"iat_us,omitempty"`
}

func (e *env) claims(user string) claims {
	now := e.clk.Now()
	return claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   user,
			Issuer:    "authbench",
			Audience:  jwt.ClaimStrings{"authbench"},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(e.v.ttl())),
			ID:        "forged-" + user,
		},
		Use:          "access",
		Family:       "forged-family",
		IssuedMicros: now.UnixMicro(),
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// TestBadCredentials: every kind of bad credential, for every variant, is
// a 401 with the one stable body; never a 5xx, never a panic. Where a case
// needs the server's own key (a genuine but expired token, say), the test
// signs with it, so the rejection is for the stated reason and not for a
// bad signature.
func TestBadCredentials(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			e, ts := serveEnv(t, v)
			login := newClient(t, ts)
			wantStatus(t, "login", login.login("user-1"), http.StatusOK)
			valid := login.cookies[v.cookie].Value
			// The valid credential works, so a rejection below is about the mutation.
			wantStatus(t, "valid", login.do(http.MethodGet, "/api/me", ""), http.StatusOK)

			type tc struct {
				name   string
				cookie string // full Cookie header ("" sends none)
				want   int
			}
			ck := func(val string) string { return v.cookie + "=" + val }
			cases := []tc{
				{"no cookie", "", 401},
				{"empty cookie", ck(""), 401},
				{"garbage", ck("garbage"), 401},
				{"truncated", ck(valid[:len(valid)-5]), 401},
				{"one char more", ck(valid + "A"), 401},
				{"4097-byte cookie", ck(strings.Repeat("A", 4097)), 401},
				{"64 KiB cookie", ck(strings.Repeat("A", 64<<10)), 401}, // "serve" caps headers at 64 KiB (431) before this
				{"duplicate cookie, both valid", ck(valid) + "; " + ck(valid), 401},
				{"duplicate cookie, garbage first", ck("garbage") + "; " + ck(valid), 401},
				{"valid cookie under another name", "other=" + valid, 401},
			}
			if v.isJWT() {
				parts := strings.Split(valid, ".")
				tampered := parts[0] + "." + b64(strings.Replace(decode(t, parts[1]), `"sub":"user-1"`, `"sub":"user-2"`, 1)) + "." + parts[2]
				_, otherSigner := writeKey(t, v.alg)
				expired := e.claims("user-1")
				expired.ExpiresAt = jwt.NewNumericDate(e.clk.Now().Add(-time.Second))
				future := e.claims("user-1")
				future.NotBefore = jwt.NewNumericDate(e.clk.Now().Add(time.Hour))
				wrongIss := e.claims("user-1")
				wrongIss.Issuer = "evil"
				wrongAud := e.claims("user-1")
				wrongAud.Audience = jwt.ClaimStrings{"evil"}
				noExp := e.claims("user-1")
				noExp.ExpiresAt = nil
				asRefresh := e.claims("user-1")
				asRefresh.Use = "refresh"
				none := b64(`{"alg":"none","typ":"JWT"}`) + "." + parts[1] + "."
				cases = append(cases,
					tc{"tampered payload", ck(tampered), 401},
					tc{"signature from another key", ck(otherSigner.sign(t, nil, e.claims("user-1"))), 401},
					tc{"signature stripped", ck(parts[0] + "." + parts[1] + "."), 401},
					tc{"alg none", ck(none), 401},
					tc{"alg None", ck(b64(`{"alg":"None","typ":"JWT"}`) + "." + parts[1] + "."), 401},
					tc{"alg NONE", ck(b64(`{"alg":"NONE","typ":"JWT"}`) + "." + parts[1] + "."), 401},
					tc{"expired", ck(e.signer.sign(t, nil, expired)), 401},
					tc{"not yet valid", ck(e.signer.sign(t, nil, future)), 401},
					tc{"wrong issuer", ck(e.signer.sign(t, nil, wrongIss)), 401},
					tc{"wrong audience", ck(e.signer.sign(t, nil, wrongAud)), 401},
					tc{"missing exp", ck(e.signer.sign(t, nil, noExp)), 401},
					tc{"refresh token as access token", ck(e.signer.sign(t, nil, asRefresh)), 401},
					tc{"crit header", ck(e.signer.sign(t, map[string]any{"crit": []string{"exp"}}, e.claims("user-1"))), 401},
					tc{"two segments", ck(parts[0] + "." + parts[1]), 401},
					tc{"four segments", ck(valid + ".AAAA"), 401},
				)
				// A genuine forged token is accepted: the cases above fail for their stated reason.
				if r := newClient(t, ts).do(http.MethodGet, "/api/me", "", "Cookie", ck(e.signer.sign(t, nil, e.claims("user-1")))); r.code != http.StatusOK {
					t.Fatalf("control: a token signed with the server's key was refused: %d %s", r.code, r.body)
				}
				if v.alg != "HS256" {
					// Algorithm confusion: HS256 MACed with the server's public key.
					conf := jwt.NewWithClaims(jwt.SigningMethodHS256, e.claims("user-1"))
					s, err := conf.SignedString(e.signer.pubPEM)
					if err != nil {
						t.Fatal(err)
					}
					cases = append(cases, tc{"HS256 MACed with the public key", ck(s), 401})
				} else {
					// An algorithm other than the configured one, from a valid key of its own.
					_, rs := writeKey(t, "ES256")
					cases = append(cases, tc{"ES256 token to an HS256 server", ck(rs.sign(t, nil, e.claims("user-1"))), 401})
				}
			} else {
				flipped := []byte(valid)
				flipped[len(flipped)/2] ^= 1
				cases = append(cases,
					tc{"one bit flipped", ck(string(flipped)), 401},
					tc{"unknown session ID", ck(strings.Repeat("A", 43)), 401},
					tc{"unknown session ID, other shape", ck(b64(strings.Repeat("x", 32))), 401},
					tc{"padded", ck(valid + "="), 401},
					tc{"access-token cookie name", jwtauth.AccessCookie + "=" + valid, 401},
				)
			}
			for _, tt := range cases {
				t.Run(tt.name, func(t *testing.T) {
					c := newClient(t, ts)
					var r response
					if tt.cookie == "" {
						r = c.do(http.MethodGet, "/api/me", "")
					} else {
						r = c.do(http.MethodGet, "/api/me", "", "Cookie", tt.cookie)
					}
					if r.code != tt.want {
						t.Fatalf("status %d, want %d (body %s)", r.code, tt.want, r.body)
					}
					if tt.want == 401 && r.body != `{"error":"unauthenticated"}` {
						t.Errorf("body %s, want the one stable 401 body", r.body)
					}
				})
			}
			// The mutations did not disturb the genuine session.
			wantStatus(t, "valid after the attacks", login.do(http.MethodGet, "/api/me", ""), http.StatusOK)
		})
	}
}

func decode(tb testing.TB, seg string) string {
	tb.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// TestBadRequests: malformed, oversized, wrongly typed and cross-site
// requests to the routes that take a body, for every variant.
func TestBadRequests(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			_, ts := serveEnv(t, v)
			for _, tt := range []struct {
				name, method, path, body string
				hdr                      []string
				want                     int
			}{
				{"malformed JSON", "POST", "/auth/login", `{"username":`, nil, 400},
				{"not an object", "POST", "/auth/login", `["user-1","password"]`, nil, 400},
				{"number for username", "POST", "/auth/login", `{"username":1,"password":"password"}`, nil, 400},
				{"missing password", "POST", "/auth/login", `{"username":"user-1"}`, nil, 400},
				{"unknown field", "POST", "/auth/login", `{"username":"user-1","password":"password","admin":true}`, nil, 400},
				{"two objects", "POST", "/auth/login", `{"username":"user-1","password":"password"}{}`, nil, 400},
				{"oversized body", "POST", "/auth/login", `{"username":"user-1","password":"` + strings.Repeat("p", 8<<10) + `"}`, nil, 413},
				{"form body", "POST", "/auth/login", `username=user-1&password=password`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415},
				{"cross-site login (Sec-Fetch-Site)", "POST", "/auth/login", `{"username":"user-1","password":"password"}`, []string{"Sec-Fetch-Site", "cross-site"}, 403},
				{"cross-site logout (Origin)", "POST", "/auth/logout", "", []string{"Origin", "https://evil.test"}, 403},
				{"cross-site refresh", "POST", "/auth/refresh", "", []string{"Sec-Fetch-Site", "cross-site"}, 403},
				{"refresh without cookie", "POST", "/auth/refresh", "", nil, 401},
				{"refresh with garbage", "POST", "/auth/refresh", "", []string{"Cookie", "refreshToken=garbage; session=garbage"}, 401},
				{"logout without cookie", "POST", "/auth/logout", "", nil, 204},
				{"logout with garbage", "POST", "/auth/logout", "", []string{"Cookie", "accessToken=x; refreshToken=y; session=z"}, 204},
			} {
				t.Run(tt.name, func(t *testing.T) {
					r := newClient(t, ts).do(tt.method, tt.path, tt.body, tt.hdr...)
					if r.code != tt.want {
						t.Fatalf("status %d, want %d (body %s)", r.code, tt.want, r.body)
					}
					if r.code != 204 && !strings.HasPrefix(r.body, `{"error":"`) {
						t.Errorf("body %q is not a JSON error", r.body)
					}
					if r.code != 204 && len(r.cookies) != 0 {
						for _, c := range r.cookies {
							if c.MaxAge >= 0 {
								t.Errorf("a refused request set cookie %s", c.Name)
							}
						}
					}
				})
			}
		})
	}
}
