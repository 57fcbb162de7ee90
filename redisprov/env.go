package redisprov

import (
	"os"
	"strings"
)

// EnvAddr is the environment variable AddrFromEnv reads.
const EnvAddr = "REDIS_ADDR"

// AddrFromEnv returns the Redis address (host:port) in the REDIS_ADDR
// environment variable, or "" when it is unset or blank. The CLI uses it
// as the default of --redis-addr, so that an explicit flag still wins.
func AddrFromEnv() string {
	return strings.TrimSpace(os.Getenv(EnvAddr))
}
