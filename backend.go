package authbench

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// Identity is who an authenticated request belongs to.
type Identity struct {
	// User is the user name, for example "user-42".
	User string
	// Expires is when the credential that proved the identity stops being
	// accepted (token exp, or the session's next idle deadline capped by
	// its absolute deadline).
	Expires time.Time
}

// Authenticator verifies the credential a request carries. It is the hot
// path every authenticated request pays for, so implementations keep it to
// at most one store round trip and no avoidable allocation.
type Authenticator interface {
	// Authenticate returns the identity proven by r's credential cookie.
	// Errors wrap ErrUnauthenticated, ErrExpired, ErrRevoked or
	// ErrStoreUnavailable; any other failure is a bug.
	Authenticate(r *http.Request) (Identity, error)
}

// Issuer hands out credentials.
type Issuer interface {
	// Login issues fresh credentials for user, who has already proven
	// who they are, and sets them as cookies on w. Any credential r
	// already carries is discarded, never reused (no session fixation).
	// On error no cookie is set.
	Login(w http.ResponseWriter, r *http.Request, user string) (Identity, error)

	// Refresh exchanges the refresh credential r carries for new
	// credentials, set as cookies on w. Errors are those of Authenticate.
	Refresh(w http.ResponseWriter, r *http.Request) (Identity, error)
}

// Revoker ends credentials before their natural expiry.
type Revoker interface {
	// Logout clears the credential cookies on w whatever happens and
	// invalidates r's credentials server-side where the variant can. It
	// returns ErrUnsupported when it cannot (the credentials stay valid
	// until they expire), ErrStoreUnavailable when the store could not be
	// reached (the credentials may still be live), and nil when there was
	// nothing to invalidate.
	Logout(w http.ResponseWriter, r *http.Request) error

	// RevokeUser invalidates every credential of user, as after an
	// account takeover. It returns ErrUnsupported when the variant cannot.
	RevokeUser(ctx context.Context, user string) error
}

// Backend is one way of logging users in. The handler set (package server)
// serves every Backend through identical routes, so backends are
// interchangeable and their costs comparable.
type Backend interface {
	Authenticator
	Issuer
	Revoker
	// Info describes the variant for reports and for the handler set.
	Info() Info
}

// Revocation says how soon a revocation takes effect in a variant.
type Revocation int

const (
	// RevocationUnsupported: the variant has no way to revoke.
	RevocationUnsupported Revocation = iota
	// RevocationAtExpiry: the credential is dropped by the client but a
	// copy stays valid until it expires.
	RevocationAtExpiry
	// RevocationImmediate: the next request with the credential fails.
	RevocationImmediate
)

// String returns the words the reports use.
func (r Revocation) String() string {
	switch r {
	case RevocationAtExpiry:
		return "only at expiry"
	case RevocationImmediate:
		return "immediate"
	default:
		return "unsupported"
	}
}

// MarshalText lets Revocation appear as words in JSON results.
func (r Revocation) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads the words MarshalText wrote, so that results
// recording a variant's Info can be read back.
func (r *Revocation) UnmarshalText(b []byte) error {
	for _, v := range []Revocation{RevocationUnsupported, RevocationAtExpiry, RevocationImmediate} {
		if string(b) == v.String() {
			*r = v
			return nil
		}
	}
	return fmt.Errorf("authbench: unknown revocation %q (want unsupported, only at expiry or immediate)", b)
}

// Info describes a backend variant.
type Info struct {
	// Name is the variant name used on the command line and in results:
	// "jwt", "jwt-blacklist", "session".
	Name string `json:"name"`
	// Stateful is true when Authenticate consults a store.
	Stateful bool `json:"stateful"`
	// Logout is how soon Logout takes effect on a copied credential.
	Logout Revocation `json:"logout"`
	// RevokeUser is how soon RevokeUser takes effect.
	RevokeUser Revocation `json:"revoke_user"`

	// The fields below are the variant registry's facts (package
	// variants), added by "authbench serve" so that a results file
	// carries everything a report says of a variant and the report needs
	// no table of its own. Nil or empty in older files.

	// LogoutBound and RevokeUserBound are Logout and RevokeUser as a
	// bound with a unit: how long a copied credential can still be
	// accepted.
	LogoutBound     *Bound `json:"logout_bound,omitempty"`
	RevokeUserBound *Bound `json:"revoke_user_bound,omitempty"`
	// Store is where the state a request consults lives: "none",
	// "redis", "redis-cached" (through go-redis's client-side cache) or
	// "process".
	Store string `json:"store,omitempty"`
	// Colour and Marker draw the variant in charts.
	Colour string `json:"colour,omitempty"`
	Marker string `json:"marker,omitempty"`
}

// Bound is how long after a revocation a copied credential can still be
// accepted: Never (no way to revoke), Max = 0 (the next request fails),
// or at most Max. Basis says what sets Max.
type Bound struct {
	Never bool          `json:"never,omitempty"`
	Max   time.Duration `json:"max_ns"`
	Basis string        `json:"basis,omitempty"` // "access TTL", "cache staleness", "" for 0 or Never
}

// String says the bound with its unit: "unsupported", "0", "≤ 15m0s
// (access TTL)".
func (b Bound) String() string {
	switch {
	case b.Never:
		return "unsupported"
	case b.Max == 0:
		return "0"
	case b.Basis != "":
		return fmt.Sprintf("≤ %v (%s)", b.Max, b.Basis)
	}
	return fmt.Sprintf("≤ %v", b.Max)
}
