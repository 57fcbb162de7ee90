package server

import (
	"errors"
	"net/http"

	"github.com/authbench/authbench"
)

// Stable error messages, part of the API: clients and tests match on them.
const (
	MsgUnauthenticated    = "unauthenticated"
	MsgBadCredentials     = "invalid username or password"
	MsgStoreUnavailable   = "credential store unavailable"
	MsgUnsupported        = "not supported by this backend"
	MsgBadJSON            = "request body must be one JSON object with string fields username and password"
	MsgBadRevokeJSON      = "request body must be one JSON object with a string field user"
	MsgBodyTooLarge       = "request body too large"
	MsgNeedJSON           = "Content-Type must be application/json"
	MsgNotFound           = "not found"
	MsgMethodNotAllowed   = "method not allowed"
	MsgCrossOrigin        = "cross-origin request refused"
	MsgInternal           = "internal error"
	MsgAdminUnauthorized  = "admin token required"
	MsgUnknownUserRevoked = "unknown user"
)

// statusOf maps a backend error to the status and message the client sees.
// Anything unexpected is a 500: it is a bug in a backend, never bad input.
func statusOf(err error) (int, string) {
	switch {
	case errors.Is(err, authbench.ErrStoreUnavailable):
		return http.StatusServiceUnavailable, MsgStoreUnavailable
	case errors.Is(err, authbench.ErrUnauthenticated),
		errors.Is(err, authbench.ErrExpired),
		errors.Is(err, authbench.ErrRevoked):
		return http.StatusUnauthorized, MsgUnauthenticated
	case errors.Is(err, authbench.ErrUnsupported):
		return http.StatusNotImplemented, MsgUnsupported
	default:
		return http.StatusInternalServerError, MsgInternal
	}
}
