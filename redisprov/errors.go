package redisprov

import "errors"

var (
	// ErrNotOwned is returned by Stop and Start on a Redis this package did
	// not start as a process it controls: a given address belongs to the
	// user, and a container is torn down only by Close. Outage tests need a
	// Redis they own; see redistest.Private.
	ErrNotOwned = errors.New("redisprov: redis is not owned by this process (outage injection needs a redis-server or embedded store it started)")

	// ErrClosed is returned by Stop and Start after Close.
	ErrClosed = errors.New("redisprov: redis already closed")
)
