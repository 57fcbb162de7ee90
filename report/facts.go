package report

import "github.com/authbench/authbench"

// Facts are what a variant is, as opposed to what a run measured: how
// soon its revocations take effect. results.json (schema v1) does not
// record them, so they live here, keyed by variant name, and a test
// checks them against each backend's own Info().
type Facts struct {
	// Stateful is true when every request consults Redis.
	Stateful bool
	// Logout and RevokeUser are how soon each takes effect on a copied
	// credential.
	Logout, RevokeUser authbench.Revocation
	// Known is false for a variant this table does not describe.
	Known bool
}

var facts = map[string]Facts{
	"none":          {Logout: authbench.RevocationUnsupported, RevokeUser: authbench.RevocationUnsupported, Known: true},
	"jwt":           {Logout: authbench.RevocationAtExpiry, RevokeUser: authbench.RevocationUnsupported, Known: true},
	"jwt-blacklist": {Stateful: true, Logout: authbench.RevocationImmediate, RevokeUser: authbench.RevocationImmediate, Known: true},
	"session":       {Stateful: true, Logout: authbench.RevocationImmediate, RevokeUser: authbench.RevocationImmediate, Known: true},
}

func factsOf(variant string) Facts { return facts[variant] }
