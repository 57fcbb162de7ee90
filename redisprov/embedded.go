package redisprov

import (
	"fmt"

	"github.com/alicebob/miniredis/v2"
)

// startEmbedded starts an in-process miniredis on a loopback port. It
// speaks the Redis protocol over a real TCP connection, but it runs inside
// the measuring process, shares its CPUs and is not Redis, so its figures
// are labelled as such everywhere they are printed.
func startEmbedded() (*miniredis.Miniredis, error) {
	m := miniredis.NewMiniRedis()
	// TTLs follow the wall clock, as in a real Redis; miniredis' default is
	// to move them only on FastForward, which would keep every session
	// and blacklist entry alive for ever in a CLI run.
	m.ClockTTL(true)
	if err := m.Start(); err != nil {
		return nil, fmt.Errorf("redisprov: start embedded miniredis: %w", err)
	}
	return m, nil
}
