package jwtauth

import (
	"errors"
	"fmt"
	"time"

	"github.com/authbench/authbench"
	"github.com/golang-jwt/jwt/v5"
)

// Values of the "use" claim. A token says which cookie it was minted for,
// so a stolen refresh token (long-lived, sent only to /auth) cannot be
// replayed as an access token, and an access token cannot be exchanged
// for a fresh pair.
const (
	UseAccess  = "access"
	UseRefresh = "refresh"
)

// Claims is the payload of every token the package issues.
//
// Beyond the registered claims (sub = user, iss, aud, exp, iat, nbf, and a
// 128-bit random jti) it carries which cookie the token is for, the login
// it descends from, and its issue time in microseconds, because the
// seconds of "iat" are too coarse to tell a token minted just before a
// RevokeUser from one minted just after it (see the package overview).
type Claims struct {
	jwt.RegisteredClaims
	// Use is UseAccess or UseRefresh.
	Use string `json:"use"`
	// Family identifies the login the token descends from: random per
	// Login, kept by every refresh token of the rotation chain and by the
	// access tokens issued from it, so revoking the family ends the login.
	Family string `json:"fam,omitempty"`
	// IssuedMicros is the issue time in Unix microseconds (iat holds the
	// same instant truncated to seconds). Microseconds, not nanoseconds,
	// because the refresh script compares it in Lua, whose numbers are
	// doubles: microsecond timestamps stay exact below 2^53 until 2255.
	IssuedMicros int64 `json:"iat_us,omitempty"`
}

// errCritHeader rejects tokens that declare critical header extensions.
// RFC 7515 §4.1.11 requires a recipient that does not understand them to
// reject the token; golang-jwt ignores "crit", so we check it ourselves.
var errCritHeader = errors.New(`token header has a "crit" member`)

// validationErrs are the claim validation failures that make a token
// invalid rather than merely expired. An expired token that also fails one
// of these is reported as ErrUnauthenticated: expiry is only the answer
// when it is the sole thing wrong with a genuine token.
var validationErrs = [...]error{
	jwt.ErrTokenNotValidYet,
	jwt.ErrTokenUsedBeforeIssued,
	jwt.ErrTokenInvalidAudience,
	jwt.ErrTokenInvalidIssuer,
	jwt.ErrTokenInvalidSubject,
	jwt.ErrTokenInvalidId,
	jwt.ErrTokenRequiredClaimMissing,
	jwt.ErrInvalidType,
}

// newParser builds the one parser every verification uses. Each option
// closes a known hole: WithValidMethods stops alg "none" and the
// HS256-with-the-public-key confusion, WithExpirationRequired refuses
// tokens that never expire, issuer and audience pin the token to this
// deployment, WithIssuedAt refuses tokens from the future, and
// WithStrictDecoding refuses padded or non-canonical base64, so one token
// has exactly one spelling.
func newParser(cfg *Config) *jwt.Parser {
	return jwt.NewParser(
		jwt.WithValidMethods([]string{cfg.Keys.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithAudience(cfg.Audience),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(cfg.Now),
		jwt.WithIssuedAt(),
		jwt.WithStrictDecoding(),
	)
}

// keyFunc returns the pre-parsed verification key. It never looks at kid,
// jwk, jku, x5u or x5c: letting the token choose its own key is how
// attackers get their key trusted. It re-checks the algorithm (the parser
// already did) so a future change of parser options cannot reopen
// algorithm confusion.
func (k *Keys) keyFunc(t *jwt.Token) (any, error) {
	if _, ok := t.Header["crit"]; ok {
		return nil, errCritHeader
	}
	if t.Method == nil || t.Method.Alg() != k.method.Alg() {
		return nil, jwt.ErrTokenSignatureInvalid
	}
	return k.verify, nil
}

// Parse verifies token exactly as Authenticate does before it consults
// the blacklist: size, signature with the configured algorithm and key,
// exp/nbf/iat against the injected clock with the configured leeway,
// issuer, audience, no "crit" header, and use == "access". It is exported
// for benchmarks and fuzzing.
//
// Errors wrap authbench.ErrExpired when a genuine access token is past
// exp (and nothing else is wrong), authbench.ErrUnauthenticated otherwise;
// the golang-jwt error is wrapped too, for detail.
func (b *Backend) Parse(token string) (*Claims, error) {
	return b.parse(token, UseAccess)
}

// parse verifies token and checks it was minted for use.
func (b *Backend) parse(token, use string) (*Claims, error) {
	// Checked before any decoding, so an oversized token costs nothing;
	// ReadCookie does the same for cookies, but Parse is also public.
	if len(token) > authbench.MaxCookieBytes {
		return nil, fmt.Errorf("%w: token of %d bytes exceeds %d", authbench.ErrUnauthenticated, len(token), authbench.MaxCookieBytes)
	}
	c := new(Claims)
	if _, err := b.parser.ParseWithClaims(token, c, b.keyFunc); err != nil {
		return nil, classify(err, c, use)
	}
	if c.Use != use {
		return nil, fmt.Errorf("%w: %q token presented as %s token", authbench.ErrUnauthenticated, c.Use, use)
	}
	if c.Subject == "" || c.ID == "" || c.Family == "" || c.IssuedAt == nil || c.IssuedMicros <= 0 {
		return nil, fmt.Errorf("%w: token lacks sub, jti, fam, iat or iat_us", authbench.ErrUnauthenticated)
	}
	// Defence in depth against a payload whose dates were bent while the
	// key holder signed it: golang-jwt decodes NumericDate through
	// json.Number, which takes a quoted "9999999999", and Go's JSON keeps
	// the last of duplicate or case-variant members ({"exp":1,"EXP":…}).
	// No token this package mints lives longer than its TTL, so a lifetime
	// (exp − iat) beyond TTL + leeway, or an iat_us that disagrees with
	// iat, is refused whatever the spelling that produced it.
	ttl := b.accessTTL
	if use == UseRefresh {
		ttl = b.refreshTTL
	}
	if life := c.ExpiresAt.Sub(c.IssuedAt.Time); life > ttl+b.leeway+time.Second {
		return nil, fmt.Errorf("%w: %s token lifetime %v exceeds %v", authbench.ErrUnauthenticated, use, life, ttl)
	}
	if d := c.IssuedMicros/1e6 - c.IssuedAt.Unix(); d < -1 || d > 1 {
		return nil, fmt.Errorf("%w: iat_us disagrees with iat", authbench.ErrUnauthenticated)
	}
	return c, nil
}

// classify maps a golang-jwt error to the authbench sentinels.
// jwt.ErrTokenInvalidClaims is only returned after the signature checked
// out, so c is filled in and the token is genuine.
func classify(err error, c *Claims, use string) error {
	if errors.Is(err, jwt.ErrTokenInvalidClaims) && errors.Is(err, jwt.ErrTokenExpired) && c.Use == use {
		expiredOnly := true
		for _, v := range validationErrs {
			if errors.Is(err, v) {
				expiredOnly = false
				break
			}
		}
		if expiredOnly {
			return fmt.Errorf("%w: %w", authbench.ErrExpired, err)
		}
	}
	return fmt.Errorf("%w: %w", authbench.ErrUnauthenticated, err)
}
