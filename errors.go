package authbench

import "errors"

// Sentinel errors returned by every Backend. Implementations wrap them with
// %w to add detail; callers check them with errors.Is, never by string.
//
// The handler set maps them to HTTP status codes: ErrUnauthenticated,
// ErrExpired and ErrRevoked to 401 (with one identical body, so a client
// cannot tell an unknown credential from an expired one), ErrStoreUnavailable
// to 503 and ErrUnsupported to 501 where the operation was asked for
// explicitly.
var (
	// ErrUnauthenticated means the request carried no usable credential:
	// none at all, a malformed one, one with a bad signature, an unknown
	// session ID, or one that is ambiguous (the same cookie twice).
	ErrUnauthenticated = errors.New("authbench: unauthenticated")

	// ErrExpired means the credential was well formed and genuine but is
	// past its lifetime (token exp, session idle or absolute timeout).
	ErrExpired = errors.New("authbench: credential expired")

	// ErrRevoked means the credential is genuine and unexpired but was
	// invalidated server-side: logged out, revoked with its user, or part
	// of a refresh-token family whose reuse was detected.
	ErrRevoked = errors.New("authbench: credential revoked")

	// ErrStoreUnavailable means the backend needs its store to decide and
	// could not reach it. Backends fail closed: a request is never let
	// through unchecked because the store is down.
	ErrStoreUnavailable = errors.New("authbench: credential store unavailable")

	// ErrUnsupported means the variant cannot do what was asked, for
	// example revoking a stateless JWT before it expires. It is returned
	// instead of silently succeeding.
	ErrUnsupported = errors.New("authbench: operation not supported by this backend")
)
