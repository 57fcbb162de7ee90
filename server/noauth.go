package server

import (
	"context"
	"net/http"

	"github.com/authbench/authbench"
)

// NoAuth is the "none" baseline: a Backend that checks nothing and calls
// every request "anonymous". Served through the same handlers, it shows
// what a request costs without authentication, so the share each real
// backend adds is visible. Never deploy it.
type NoAuth struct{}

var _ authbench.Backend = NoAuth{}

// Anonymous is the identity NoAuth gives every request.
const Anonymous = "anonymous"

// Authenticate accepts every request.
func (NoAuth) Authenticate(*http.Request) (authbench.Identity, error) {
	return authbench.Identity{User: Anonymous}, nil
}

// Login sets no cookie.
func (NoAuth) Login(_ http.ResponseWriter, _ *http.Request, user string) (authbench.Identity, error) {
	return authbench.Identity{User: user}, nil
}

// Refresh has nothing to renew.
func (NoAuth) Refresh(http.ResponseWriter, *http.Request) (authbench.Identity, error) {
	return authbench.Identity{User: Anonymous}, nil
}

// Logout has nothing to invalidate.
func (NoAuth) Logout(http.ResponseWriter, *http.Request) error { return nil }

// RevokeUser cannot revoke what was never issued.
func (NoAuth) RevokeUser(context.Context, string) error { return authbench.ErrUnsupported }

// Info describes the baseline.
func (NoAuth) Info() authbench.Info {
	return authbench.Info{Name: "none", Logout: authbench.RevocationUnsupported, RevokeUser: authbench.RevocationUnsupported}
}
