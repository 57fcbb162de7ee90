package sessionauth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"

	"github.com/authbench/authbench"
	"github.com/gorilla/securecookie"
)

// IDBytes is how much randomness a session ID carries: 256 bits, so an
// ID cannot be guessed and a collision never happens in practice.
const IDBytes = 32

// TagLen is the length of the user tag that starts every session ID: 4
// base64url characters (24 bits) of SHA-256 of the user name. All of a
// user's keys (the sessions and the index) carry it as their Redis Cluster
// hash tag, so the login transaction and the logout and revocation
// scripts touch one slot, and users spread over the slots. It is not a
// secret and proves nothing: it links a session to one user in 2^24 for
// someone who already holds the cookie.
const TagLen = 4

// randLen is the random part of an ID: IDBytes in base64url, no padding.
const randLen = (IDBytes*8 + 5) / 6 // 43

// IDLen is the length of a session ID in its text form: the user tag,
// then IDBytes of randomness in base64url without padding.
const IDLen = TagLen + randLen // 47

// maxSignedCookieLen bounds a signed cookie value before it is decoded.
// A genuine one is about 150 bytes (timestamp, the base64 ID and a 32-byte
// MAC, base64-encoded again); anything much longer is refused after a
// single length comparison.
const maxSignedCookieLen = 256

// userTag is the user's hash tag: TagLen base64url characters of
// SHA-256(user).
func userTag(user string) string {
	sum := sha256.Sum256([]byte(user))
	return base64.RawURLEncoding.EncodeToString(sum[:3])[:TagLen]
}

// newID returns a fresh session ID for user from crypto/rand, starting
// with user's tag. An ID minted before the user is known (gorilla's New)
// has the tag of "" and is replaced at the first Save.
func newID(user string) string {
	var b [IDBytes]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return userTag(user) + base64.RawURLEncoding.EncodeToString(b[:])
}

// b64url maps a byte to its value in the base64url alphabet, or -1.
var b64url = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = int8(i)
	}
	return t
}()

// validID reports whether s has the exact shape newID produces: IDLen
// base64url characters, the random part canonical (the two bits past the
// 256th in the last character are zero). Only IDs of this shape are ever looked up in Redis,
// so junk costs a loop over at most 43 bytes and no round trip. It runs on
// every request and allocates nothing.
func validID[T string | []byte](s T) bool {
	if len(s) != IDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if b64url[s[i]] < 0 {
			return false
		}
	}
	return b64url[s[IDLen-1]]&3 == 0
}

// idCodec turns a session ID into a cookie value and back.
type idCodec struct {
	sc *securecookie.SecureCookie // nil: unsigned, the cookie is the raw ID
}

func newIDCodec(cfg Config) idCodec {
	if cfg.Unsigned {
		return idCodec{}
	}
	sc := securecookie.New(cfg.HashKey, nil)
	// The payload is the ID's bytes, so no gob: gob would add type
	// information and reflection to every request for a plain string.
	sc.SetSerializer(securecookie.NopEncoder{})
	sc.MaxLength(maxSignedCookieLen)
	// securecookie also refuses values signed longer ago than this, by
	// the wall clock. The session's own absolute deadline (injected clock,
	// server-side) is the authority; this is a second, coarser bound.
	sc.MaxAge(int(cfg.AbsoluteTimeout.Seconds()))
	return idCodec{sc: sc}
}

// encode returns the cookie value for id.
func (c idCodec) encode(name, id string) (string, error) {
	if c.sc == nil {
		return id, nil
	}
	v, err := c.sc.Encode(name, []byte(id))
	if err != nil {
		return "", fmt.Errorf("sessionauth: sign session cookie: %w", err)
	}
	return v, nil
}

// decode returns the session ID a cookie value carries. It fails with
// ErrUnauthenticated, without touching the store, unless the value has
// exactly the shape encode produces and (when signed) a valid signature.
func (c idCodec) decode(name, value string) (string, error) {
	if c.sc == nil {
		if !validID(value) {
			return "", errMalformed
		}
		return value, nil
	}
	if len(value) > maxSignedCookieLen {
		return "", errMalformed
	}
	var id []byte
	if err := c.sc.Decode(name, value, &id); err != nil {
		return "", fmt.Errorf("%w: session cookie: %w", authbench.ErrUnauthenticated, err)
	}
	if !validID(id) { // signed by us, so only a key leak or a bug gets here
		return "", errMalformed
	}
	return string(id), nil
}

// errMalformed is returned for a cookie value that cannot be a session ID.
// It is a preallocated value because junk is the one input an attacker
// controls completely and can send at any rate.
var errMalformed = fmt.Errorf("%w: malformed session cookie", authbench.ErrUnauthenticated)
