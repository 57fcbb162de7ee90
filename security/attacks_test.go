package security_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/redis/go-redis/v9"

	"github.com/authbench/authbench"
	"github.com/authbench/authbench/internal/testclock"
	"github.com/authbench/authbench/jwtauth"
	"github.com/authbench/authbench/redisprov"
	"github.com/authbench/authbench/redisprov/redistest"
	"github.com/authbench/authbench/server"
	"github.com/authbench/authbench/sessionauth"
)

var (
	jwtAlgs = []string{jwtauth.AlgHS256, jwtauth.AlgRS256, jwtauth.AlgES256, jwtauth.AlgEdDSA}
	// jwtVariants are every variant of the registry that signs tokens.
	jwtVariants = registryVariants(true)
)

// attackLeeway is the clock-skew allowance of the attacked backends, so
// the exp and iat edges are tested with a leeway in play.
const attackLeeway = 30 * time.Second

// tokenAttack builds one access token to send to GET /api/me.
type tokenAttack struct {
	name  string
	token func(tb testing.TB, s *signer, now time.Time) string
	want  int
}

// header is the JOSE header the backend itself writes for s.
func header(s *signer, extra map[string]any) map[string]any {
	h := map[string]any{"alg": s.alg, "typ": "JWT"}
	for k, v := range extra {
		h[k] = v
	}
	return h
}

// signed signs claims with s's genuine key and header extras.
func signed(tb testing.TB, s *signer, c map[string]any, extra map[string]any) string {
	return raw(tb, s.method, s.key, mustJSON(tb, header(s, extra)), mustJSON(tb, c))
}

// edit returns now's genuine claims with f applied.
func edit(now time.Time, f func(map[string]any)) map[string]any {
	c := claims(now)
	f(c)
	return c
}

// attacker is a key the attacker owns: the server has never seen it.
var attacker = func() *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}()

// attackerJWK is the attacker's public key as an embedded "jwk" member.
func attackerJWK() map[string]any {
	pad := func(b []byte) string {
		out := make([]byte, 32)
		copy(out[32-len(b):], b)
		return b64.EncodeToString(out)
	}
	return map[string]any{"kty": "EC", "crv": "P-256", "x": pad(attacker.X.Bytes()), "y": pad(attacker.Y.Bytes())}
}

// attackerCert is a self-signed certificate for the attacker's key, for
// the "x5c" member.
func attackerCert(tb testing.TB) string {
	tb.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "authbench"},
		NotBefore: t0.Add(-time.Hour), NotAfter: t0.Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &attacker.PublicKey, attacker)
	if err != nil {
		tb.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// bySelf signs with the attacker's ES256 key, announcing alg ES256 and
// whatever header members say where to find the key.
func bySelf(tb testing.TB, now time.Time, extra map[string]any) string {
	h := map[string]any{"alg": "ES256", "typ": "JWT"}
	for k, v := range extra {
		h[k] = v
	}
	return raw(tb, jwt.SigningMethodES256, attacker, mustJSON(tb, h), mustJSON(tb, claims(now)))
}

// unsignedToken is header.payload followed by sig, the way an "alg: none"
// attack is written.
func unsignedToken(tb testing.TB, alg string, now time.Time, sig string) string {
	return b64.EncodeToString([]byte(mustJSON(tb, map[string]any{"alg": alg, "typ": "JWT"}))) + "." +
		b64.EncodeToString([]byte(mustJSON(tb, claims(now)))) + sig
}

// flipTrailingBits changes the last character of a base64url segment so
// it decodes to the same bytes under lenient decoding: only the bits past
// the end of the data differ.
func flipTrailingBits(seg string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, seg[len(seg)-1])
	unused := map[int]int{2: 4, 3: 2}[len(seg)%4] // bits of the last char past the data
	return seg[:len(seg)-1] + string(alphabet[last|(1<<unused-1)])
}

// segments splits a compact JWS.
func segments(tok string) (h, p, s string) {
	parts := strings.SplitN(tok, ".", 3)
	return parts[0], parts[1], parts[2]
}

var tokenAttacks = []tokenAttack{
	{"control: genuine token", func(tb testing.TB, s *signer, now time.Time) string {
		return signed(tb, s, claims(now), nil)
	}, http.StatusOK},

	// RFC 8725 §2.1, §3.1: the algorithm is pinned, "none" in any case.
	{"alg nOnE, empty signature", func(tb testing.TB, s *signer, now time.Time) string {
		return unsignedToken(tb, "nOnE", now, ".")
	}, http.StatusUnauthorized},
	{"alg none, no signature segment", func(tb testing.TB, s *signer, now time.Time) string {
		return unsignedToken(tb, "none", now, "")
	}, http.StatusUnauthorized},
	{"alg NONE, signature null", func(tb testing.TB, s *signer, now time.Time) string {
		return unsignedToken(tb, "NONE", now, "."+b64.EncodeToString([]byte("null")))
	}, http.StatusUnauthorized},
	{"alg None, genuine signature kept", func(tb testing.TB, s *signer, now time.Time) string {
		_, _, sig := segments(signed(tb, s, claims(now), nil))
		return unsignedToken(tb, "None", now, "."+sig)
	}, http.StatusUnauthorized},

	// kid never selects a key: traversal with the key it would find
	// (/dev/null: empty) fails, and any kid with the genuine key is
	// accepted because kid is ignored.
	{"kid path traversal, signed with an empty HMAC key", func(tb testing.TB, s *signer, now time.Time) string {
		h := mustJSON(tb, map[string]any{"alg": "HS256", "typ": "JWT", "kid": "../../../../../../dev/null"})
		in := b64.EncodeToString([]byte(h)) + "." + b64.EncodeToString([]byte(mustJSON(tb, claims(now))))
		return in + "." + b64.EncodeToString(hmacSHA256(nil, in))
	}, http.StatusUnauthorized},
	{"kid path traversal, signed with the attacker's key", func(tb testing.TB, s *signer, now time.Time) string {
		return bySelf(tb, now, map[string]any{"kid": "../../../../../../etc/passwd"})
	}, http.StatusUnauthorized},
	{"kid blank, genuine key: kid ignored", func(tb testing.TB, s *signer, now time.Time) string {
		return signed(tb, s, claims(now), map[string]any{"kid": ""})
	}, http.StatusOK},
	{"kid unknown, genuine key: kid ignored", func(tb testing.TB, s *signer, now time.Time) string {
		return signed(tb, s, claims(now), map[string]any{"kid": "no-such-key' OR 1=1 --"})
	}, http.StatusOK},

	// RFC 8725 §3.10 spirit: keys named by the token are never fetched or trusted.
	{"embedded jwk of the attacker's key", func(tb testing.TB, s *signer, now time.Time) string {
		return bySelf(tb, now, map[string]any{"jwk": attackerJWK()})
	}, http.StatusUnauthorized},
	{"jku pointing at the attacker", func(tb testing.TB, s *signer, now time.Time) string {
		return bySelf(tb, now, map[string]any{"jku": "https://evil.test/jwks.json"})
	}, http.StatusUnauthorized},
	{"x5u pointing at the attacker", func(tb testing.TB, s *signer, now time.Time) string {
		return bySelf(tb, now, map[string]any{"x5u": "https://evil.test/cert.pem"})
	}, http.StatusUnauthorized},
	{"x5c with the attacker's certificate", func(tb testing.TB, s *signer, now time.Time) string {
		return bySelf(tb, now, map[string]any{"x5c": []string{attackerCert(tb)}})
	}, http.StatusUnauthorized},
	{"genuine token with jwk, jku, x5u, x5c members: ignored", func(tb testing.TB, s *signer, now time.Time) string {
		return signed(tb, s, claims(now), map[string]any{"jwk": attackerJWK(), "jku": "https://evil.test/", "x5u": "https://evil.test/", "x5c": []string{attackerCert(tb)}})
	}, http.StatusOK},

	// exp and iat at the leeway edges.
	{"exp one second inside the leeway", func(tb testing.TB, s *signer, now time.Time) string {
		return signed(tb, s, edit(now, func(c map[string]any) { c["exp"] = now.Add(-attackLeeway + time.Second).Unix() }), nil)
	}, http.StatusOK},
	{"exp exactly at the leeway edge", func(tb testing.TB, s *signer, now time.Time) string {
		return signed(tb, s, edit(now, func(c map[string]any) { c["exp"] = now.Add(-attackLeeway).Unix() }), nil)
	}, http.StatusUnauthorized},
	{"exp one second past the leeway", func(tb testing.TB, s *signer, now time.Time) string {
		return signed(tb, s, edit(now, func(c map[string]any) { c["exp"] = now.Add(-attackLeeway - time.Second).Unix() }), nil)
	}, http.StatusUnauthorized},
	{"iat in the future within the leeway", func(tb testing.TB, s *signer, now time.Time) string {
		return signed(tb, s, edit(now, func(c map[string]any) {
			c["iat"], c["iat_us"] = now.Add(attackLeeway).Unix(), now.Add(attackLeeway).UnixMicro()
		}), nil)
	}, http.StatusOK},
	{"iat_us disagreeing with iat", func(tb testing.TB, s *signer, now time.Time) string {
		return signed(tb, s, edit(now, func(c map[string]any) { c["iat"] = now.Add(attackLeeway).Unix() }), nil)
	}, http.StatusUnauthorized},
	{"iat in the future beyond the leeway", func(tb testing.TB, s *signer, now time.Time) string {
		return signed(tb, s, edit(now, func(c map[string]any) { c["iat"] = now.Add(attackLeeway + time.Second).Unix() }), nil)
	}, http.StatusUnauthorized},
	{"iat a day in the future", func(tb testing.TB, s *signer, now time.Time) string {
		return signed(tb, s, edit(now, func(c map[string]any) { c["iat"] = now.Add(24 * time.Hour).Unix() }), nil)
	}, http.StatusUnauthorized},
	// RFC 7519 §2 makes NumericDate a JSON number, but golang-jwt decodes
	// it through json.Number, which also takes a quoted number, so
	// "exp":"9999999999" is read as a number. jwtauth refuses it anyway:
	// no token it mints lives longer than its TTL (exp − iat is bounded).
	{"exp as a string, far future: lifetime over the TTL", func(tb testing.TB, s *signer, now time.Time) string {
		return signed(tb, s, edit(now, func(c map[string]any) { c["exp"] = "9999999999" }), nil)
	}, http.StatusUnauthorized},
	{"exp as a string, past", func(tb testing.TB, s *signer, now time.Time) string {
		return signed(tb, s, edit(now, func(c map[string]any) { c["exp"] = "1" }), nil)
	}, http.StatusUnauthorized},
	{"exp as a non-numeric string", func(tb testing.TB, s *signer, now time.Time) string {
		return signed(tb, s, edit(now, func(c map[string]any) { c["exp"] = "tomorrow" }), nil)
	}, http.StatusUnauthorized},
	{"exp negative", func(tb testing.TB, s *signer, now time.Time) string {
		return signed(tb, s, edit(now, func(c map[string]any) { c["exp"] = -1 }), nil)
	}, http.StatusUnauthorized},
	{"exp 1e300", func(tb testing.TB, s *signer, now time.Time) string {
		return signed(tb, s, edit(now, func(c map[string]any) { c["exp"] = 1e300 }), nil)
	}, http.StatusUnauthorized},
	{"exp null", func(tb testing.TB, s *signer, now time.Time) string {
		return signed(tb, s, edit(now, func(c map[string]any) { c["exp"] = nil }), nil)
	}, http.StatusUnauthorized},
	{"exp missing", func(tb testing.TB, s *signer, now time.Time) string {
		return signed(tb, s, edit(now, func(c map[string]any) { delete(c, "exp") }), nil)
	}, http.StatusUnauthorized},

	// Duplicate and case-variant members, with a genuine signature. Go's
	// encoding/json (which golang-jwt decodes with) keeps the LAST
	// duplicate and matches member names case-insensitively, so a token
	// the key holder signed with {"exp":past,"EXP":future} is live. Only
	// the key holder can produce one; these cases pin the behaviour so a
	// parser change is noticed (RFC 7519 §4 allows last-wins).
	{"duplicate exp, past then future: last wins", func(tb testing.TB, s *signer, now time.Time) string {
		p := mustJSON(tb, claims(now))
		p = strings.Replace(p, "{", `{"exp":1,`, 1)
		return raw(tb, s.method, s.key, mustJSON(tb, header(s, nil)), p)
	}, http.StatusOK},
	{"duplicate exp, future then past: last wins", func(tb testing.TB, s *signer, now time.Time) string {
		p := strings.TrimSuffix(mustJSON(tb, claims(now)), "}") + `,"exp":1}`
		return raw(tb, s.method, s.key, mustJSON(tb, header(s, nil)), p)
	}, http.StatusUnauthorized},
	{"exp past, EXP an hour ahead: last wins, but the lifetime is over the TTL", func(tb testing.TB, s *signer, now time.Time) string {
		c := edit(now, func(c map[string]any) { c["exp"] = 1 })
		p := strings.TrimSuffix(mustJSON(tb, c), "}") + `,"EXP":` + mustJSON(tb, now.Add(time.Hour).Unix()) + "}"
		return raw(tb, s.method, s.key, mustJSON(tb, header(s, nil)), p)
	}, http.StatusUnauthorized},
	{"exp past, EXP within the TTL: case-insensitive, last wins", func(tb testing.TB, s *signer, now time.Time) string {
		c := edit(now, func(c map[string]any) { c["exp"] = 1 })
		p := strings.TrimSuffix(mustJSON(tb, c), "}") + `,"EXP":` + mustJSON(tb, now.Add(time.Minute).Unix()) + "}"
		return raw(tb, s.method, s.key, mustJSON(tb, header(s, nil)), p)
	}, http.StatusOK},
	{"exp future, EXP past: case-insensitive, last wins", func(tb testing.TB, s *signer, now time.Time) string {
		p := strings.TrimSuffix(mustJSON(tb, claims(now)), "}") + `,"EXP":1}`
		return raw(tb, s.method, s.key, mustJSON(tb, header(s, nil)), p)
	}, http.StatusUnauthorized},
	{"use refresh, USE access: last wins", func(tb testing.TB, s *signer, now time.Time) string {
		c := edit(now, func(c map[string]any) { c["use"] = jwtauth.UseRefresh })
		p := strings.TrimSuffix(mustJSON(tb, c), "}") + `,"USE":"access"}`
		return raw(tb, s.method, s.key, mustJSON(tb, header(s, nil)), p)
	}, http.StatusOK},
	{"duplicate alg in header, none last", func(tb testing.TB, s *signer, now time.Time) string {
		h := `{"alg":"` + s.alg + `","typ":"JWT","alg":"none"}`
		return raw(tb, s.method, s.key, h, mustJSON(tb, claims(now)))
	}, http.StatusUnauthorized},

	// Encoding: one token has one spelling (WithStrictDecoding).
	{"runs of dots", func(tb testing.TB, s *signer, now time.Time) string {
		h, p, sig := segments(signed(tb, s, claims(now), nil))
		return h + ".." + p + "..." + sig
	}, http.StatusUnauthorized},
	{"extra trailing segment", func(tb testing.TB, s *signer, now time.Time) string {
		return signed(tb, s, claims(now), nil) + "."
	}, http.StatusUnauthorized},
	{"only dots", func(tb testing.TB, s *signer, now time.Time) string { return "...." }, http.StatusUnauthorized},
	{"standard base64 characters in the signature", func(tb testing.TB, s *signer, now time.Time) string {
		h, p, sig := segments(signed(tb, s, claims(now), nil))
		return h + "." + p + "." + strings.NewReplacer("-", "+", "_", "/").Replace(sig) + "+/"
	}, http.StatusUnauthorized},
	{"padding on the signature", func(tb testing.TB, s *signer, now time.Time) string {
		h, p, sig := segments(signed(tb, s, claims(now), nil))
		return h + "." + p + "." + sig + strings.Repeat("=", (4-len(sig)%4)%4) + "="
	}, http.StatusUnauthorized},
	{"padding on the payload", func(tb testing.TB, s *signer, now time.Time) string {
		h, p, sig := segments(signed(tb, s, claims(now), nil))
		return h + "." + p + "==" + "." + sig
	}, http.StatusUnauthorized},
	{"whitespace inside the token", func(tb testing.TB, s *signer, now time.Time) string {
		h, p, sig := segments(signed(tb, s, claims(now), nil))
		return h + ". " + p + "." + sig
	}, http.StatusUnauthorized},
	{"non-ASCII in the signature", func(tb testing.TB, s *signer, now time.Time) string {
		h, p, sig := segments(signed(tb, s, claims(now), nil))
		return h + "." + p + "." + sig[:len(sig)-1] + "é"
	}, http.StatusUnauthorized},
	{"trailing-bit variant of the genuine signature", func(tb testing.TB, s *signer, now time.Time) string {
		h, p, sig := segments(signed(tb, s, claims(now), nil))
		return h + "." + p + "." + flipTrailingBits(sig)
	}, http.StatusUnauthorized},
	{"trailing-bit variant of the payload", func(tb testing.TB, s *signer, now time.Time) string {
		// Re-signed, so only the spelling of the payload is at fault.
		p := b64.EncodeToString([]byte(mustJSON(tb, claims(now))))
		if len(p)%4 == 0 {
			p = b64.EncodeToString([]byte(mustJSON(tb, claims(now)) + " "))
		}
		in := b64.EncodeToString([]byte(mustJSON(tb, header(s, nil)))) + "." + flipTrailingBits(p)
		sig, err := s.method.Sign(in, s.key)
		if err != nil {
			tb.Fatal(err)
		}
		return in + "." + b64.EncodeToString(sig)
	}, http.StatusUnauthorized},
	{"payload not JSON, genuine signature", func(tb testing.TB, s *signer, now time.Time) string {
		return raw(tb, s.method, s.key, mustJSON(tb, header(s, nil)), `{"sub":"user-1",`)
	}, http.StatusUnauthorized},
	{"payload a JSON array, genuine signature", func(tb testing.TB, s *signer, now time.Time) string {
		return raw(tb, s.method, s.key, mustJSON(tb, header(s, nil)), `[1,2,3]`)
	}, http.StatusUnauthorized},
	{"header not JSON, genuine signature", func(tb testing.TB, s *signer, now time.Time) string {
		return raw(tb, s.method, s.key, `{"alg":"`+s.alg+`",`, mustJSON(tb, claims(now)))
	}, http.StatusUnauthorized},
	{"crit header, genuine signature", func(tb testing.TB, s *signer, now time.Time) string {
		return signed(tb, s, claims(now), map[string]any{"crit": []string{"exp"}})
	}, http.StatusUnauthorized},
}

// TestTokenAttacks sends each crafted access token to GET /api/me
// through the handler set, for every JWT variant and algorithm: each is
// refused with 401 (never a 5xx, never a panic, which the handler set
// would turn into a 500), and the controls signed with the genuine key
// are accepted, so a refusal is never the test's own doing.
func TestTokenAttacks(t *testing.T) {
	for _, variant := range jwtVariants {
		for _, alg := range jwtAlgs {
			t.Run(variant+"/"+alg, func(t *testing.T) {
				s := newSigner(t, alg)
				clk := testclock.New(t0)
				h := handlerFor(t, variantBackend(t, variant, s, clk, attackLeeway))
				for _, tt := range tokenAttacks {
					t.Run(tt.name, func(t *testing.T) {
						tok := tt.token(t, s, clk.Now())
						w := do(h, http.MethodGet, "/api/me", "", jwtauth.AccessCookie+"="+tok)
						if w.Code != tt.want {
							t.Fatalf("GET /api/me with %q: %d %s, want %d", tok, w.Code, strings.TrimSpace(w.Body.String()), tt.want)
						}
					})
				}
			})
		}
	}
}

// TestShortHMACSecretRefused: a server cannot be started with an HS256
// secret under 32 bytes, given directly or in a key file (RFC 7518 §3.2).
func TestShortHMACSecretRefused(t *testing.T) {
	tests := []struct {
		name    string
		secret  string
		wantErr bool
	}{
		{"empty", "", true},
		{"16 bytes", strings.Repeat("k", 16), true},
		{"31 bytes", strings.Repeat("k", 31), true},
		{"31 bytes and a newline", strings.Repeat("k", 31) + "\n", true},
		{"32 bytes", strings.Repeat("k", 32), false},
		{"32 bytes and a newline", strings.Repeat("k", 32) + "\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "secret")
			if err := os.WriteFile(path, []byte(tt.secret), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := jwtauth.LoadKeys(jwtauth.AlgHS256, path); (err != nil) != tt.wantErr {
				t.Errorf("LoadKeys(%d-byte file): error %v, want error %v", len(tt.secret), err, tt.wantErr)
			}
			if strings.HasSuffix(tt.secret, "\n") {
				return // HMACKeys takes the secret as is
			}
			if _, err := jwtauth.HMACKeys([]byte(tt.secret)); (err != nil) != tt.wantErr {
				t.Errorf("HMACKeys(%d bytes): error %v, want error %v", len(tt.secret), err, tt.wantErr)
			}
		})
	}
}

// login signs user-1 in through h and returns the raw Cookie header the
// browser would send next.
func login(tb testing.TB, h http.Handler) string {
	tb.Helper()
	w := do(h, http.MethodPost, "/auth/login", `{"username":"user-1","password":"password"}`, "")
	if w.Code != http.StatusOK {
		tb.Fatalf("login: %d %s", w.Code, w.Body.String())
	}
	var parts []string
	for _, c := range w.Result().Cookies() {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

// TestBlacklistOutlivesToken: after logout in jwt-blacklist, the access
// token is refused, and its blacklist entry lives at least as long as the
// parser would still accept the token (remaining lifetime + leeway), so
// it cannot come back to life when Redis expires the entry.
func TestBlacklistOutlivesToken(t *testing.T) {
	s := newSigner(t, jwtauth.AlgES256)
	clk := testclock.New(time.Now().Truncate(time.Second))
	rdb, prefix := redistest.Shared(t)
	b, err := jwtauth.New(jwtauth.Config{Keys: s.keys, Now: clk.Now, Leeway: attackLeeway, Blacklist: rdb, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	h := handlerFor(t, b)
	cookies := login(t, h)
	access, _, _ := strings.Cut(strings.TrimPrefix(cookies, jwtauth.AccessCookie+"="), ";")
	c, err := b.Parse(access)
	if err != nil {
		t.Fatal(err)
	}
	clk.Set(clk.Now().Add(5 * time.Minute)) // log out part-way through the token's life
	if w := do(h, http.MethodPost, "/auth/logout", "", cookies); w.Code != http.StatusNoContent {
		t.Fatalf("logout: %d %s", w.Code, w.Body.String())
	}
	if w := do(h, http.MethodGet, "/api/me", "", cookies); w.Code != http.StatusUnauthorized {
		t.Fatalf("access token after logout: %d, want 401", w.Code)
	}
	ttl, err := rdb.PTTL(context.Background(), b.BlacklistKeys(c)[0]).Result()
	if err != nil {
		t.Fatal(err)
	}
	need := c.ExpiresAt.Sub(clk.Now()) + attackLeeway
	if ttl < need-time.Second { // PTTL counts down in real time while the test runs
		t.Fatalf("blacklist entry TTL %v, want at least remaining lifetime + leeway = %v", ttl, need)
	}
	// Still refused at the last instant the parser would accept it.
	clk.Set(c.ExpiresAt.Time.Add(attackLeeway - time.Second))
	if _, err := b.Parse(access); err != nil {
		t.Fatalf("control: the token should still parse at exp+leeway-1s: %v", err)
	}
	if w := do(h, http.MethodGet, "/api/me", "", cookies); w.Code != http.StatusUnauthorized {
		t.Fatalf("access token at exp+leeway-1s after logout: %d, want 401", w.Code)
	}
}

// TestSessionIDEntropy: session IDs carry 256 random bits and never
// repeat (OWASP Session Management: at least 64 bits of entropy). The
// user tag in front of them (sessionauth.TagLen characters, a hash of the
// user name for Redis Cluster slots) is not counted as entropy.
func TestSessionIDEntropy(t *testing.T) {
	if sessionauth.IDBytes*8 < 256 {
		t.Fatalf("IDBytes = %d, want at least 32 (256 bits)", sessionauth.IDBytes)
	}
	rdb, prefix := redistest.Shared(t)
	b, err := sessionauth.New(sessionauth.Config{Client: rdb, Prefix: prefix, Unsigned: true})
	if err != nil {
		t.Fatal(err)
	}
	h := handlerFor(t, b)
	const n = 200
	seenIDs := map[string]bool{}
	var ones [sessionauth.IDBytes * 8]int
	for range n {
		cookie := login(t, h)
		id := strings.TrimPrefix(cookie, sessionauth.Cookie+"=")
		if len(id) != sessionauth.IDLen {
			t.Fatalf("session ID %q: %d characters, want %d", id, len(id), sessionauth.IDLen)
		}
		raw, err := b64.Strict().DecodeString(id[sessionauth.TagLen:])
		if err != nil || len(raw) != sessionauth.IDBytes {
			t.Fatalf("session ID %q: %d bytes (%v), want %d", id, len(raw), err, sessionauth.IDBytes)
		}
		if seenIDs[id] {
			t.Fatalf("session ID %q issued twice", id)
		}
		seenIDs[id] = true
		for i := range ones {
			ones[i] += int(raw[i/8] >> (i % 8) & 1)
		}
	}
	// Every bit varies: a constant bit would mean less than 256 bits of
	// entropy. A genuinely random bit is constant over 200 IDs with
	// probability 2^-199.
	for i, c := range ones {
		if c == 0 || c == n {
			t.Errorf("bit %d of the session ID is always %d over %d IDs", i, c/n, n)
		}
	}
}

// backends returns every variant of the registry that authenticates
// someone, served through the handler set.
func backends(t *testing.T) map[string]http.Handler {
	t.Helper()
	s := newSigner(t, jwtauth.AlgHS256)
	clk := testclock.New(time.Now())
	out := map[string]http.Handler{}
	for _, name := range registryVariants(false) {
		out[name] = handlerFor(t, variantBackend(t, name, s, clk, 0))
	}
	return out
}

// TestCSRF: state-changing routes answer only POST (405 otherwise, so a
// GET from an <img> or link changes nothing), and a POST that says it
// comes from another site is refused with 403 before any handler runs,
// even carrying valid cookies.
func TestCSRF(t *testing.T) {
	routes := []string{"/auth/login", "/auth/refresh", "/auth/logout", "/admin/revoke-user"}
	for name, h := range backends(t) {
		t.Run(name, func(t *testing.T) {
			cookies := login(t, h)
			for _, route := range routes {
				for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete, http.MethodPatch} {
					if w := do(h, m, route, "", cookies); w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != http.MethodPost {
						t.Errorf("%s %s: %d Allow %q, want 405 Allow POST", m, route, w.Code, w.Header().Get("Allow"))
					}
				}
				cross := []struct {
					name string
					hdr  []string
				}{
					{"Sec-Fetch-Site cross-site", []string{"Sec-Fetch-Site", "cross-site"}},
					{"Sec-Fetch-Site same-site", []string{"Sec-Fetch-Site", "same-site"}},
					{"Origin of another site", []string{"Origin", "https://evil.test"}},
					{"Origin null", []string{"Origin", "null"}},
				}
				for _, c := range cross {
					hdr := append([]string{"Authorization", "Bearer " + adminToken}, c.hdr...)
					w := do(h, http.MethodPost, route, `{"username":"user-1","password":"password","user":"user-1"}`, cookies, hdr...)
					if w.Code != http.StatusForbidden || len(w.Result().Cookies()) != 0 {
						t.Errorf("POST %s with %s: %d, %d cookies set; want 403 and none", route, c.name, w.Code, len(w.Result().Cookies()))
					}
				}
			}
			// Control: the same-origin request is let through.
			if w := do(h, http.MethodGet, "/api/me", "", cookies, "Sec-Fetch-Site", "same-origin"); w.Code != http.StatusOK {
				t.Errorf("control: same-origin GET /api/me: %d, want 200", w.Code)
			}
			if w := do(h, http.MethodPost, "/auth/refresh", "", cookies, "Sec-Fetch-Site", "same-origin"); w.Code != http.StatusOK {
				t.Errorf("control: same-origin POST /auth/refresh: %d, want 200", w.Code)
			}
		})
	}
}

// deadRedis returns a client for an address nothing listens on.
func deadRedis(t *testing.T) *redis.Client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := redis.NewClient(redisprov.ClientOptions(addr))
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestStoreUnreachableFailsClosed: with the store down, login answers 503
// and sets no cookie, and a genuine credential is not let through
// unchecked.
func TestStoreUnreachableFailsClosed(t *testing.T) {
	s := newSigner(t, jwtauth.AlgHS256)
	clk := testclock.New(time.Now())
	live, prefix := redistest.Shared(t)
	dead := deadRedis(t)
	mk := map[string]func(rdb *redis.Client) authbench.Backend{
		"jwt-blacklist": func(rdb *redis.Client) authbench.Backend {
			b, err := jwtauth.New(jwtauth.Config{Keys: s.keys, Now: clk.Now, Blacklist: rdb, Prefix: prefix})
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
		"session": func(rdb *redis.Client) authbench.Backend {
			b, err := sessionauth.New(sessionauth.Config{Client: rdb, Prefix: prefix, HashKey: []byte(strings.Repeat("h", 32))})
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
	}
	for name, build := range mk {
		t.Run(name, func(t *testing.T) {
			cookies := login(t, handlerFor(t, build(live))) // genuine credentials, minted while the store was up
			h := handlerFor(t, build(dead))
			w := do(h, http.MethodPost, "/auth/login", `{"username":"user-1","password":"password"}`, "")
			if w.Code != http.StatusServiceUnavailable || len(w.Result().Cookies()) != 0 {
				t.Errorf("login with the store down: %d and cookies %v, want 503 and none", w.Code, w.Result().Header["Set-Cookie"])
			}
			for _, route := range []struct{ method, path string }{{http.MethodGet, "/api/me"}, {http.MethodPost, "/auth/refresh"}} {
				if w := do(h, route.method, route.path, "", cookies); w.Code != http.StatusServiceUnavailable {
					t.Errorf("%s %s with genuine cookies and the store down: %d, want 503", route.method, route.path, w.Code)
				}
			}
		})
	}
	_ = server.MsgStoreUnavailable
}
