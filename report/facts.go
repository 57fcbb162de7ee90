package report

import (
	"github.com/authbench/authbench"
	"github.com/authbench/authbench/results"
)

// Facts are what a variant is, as opposed to what a run measured: how
// soon its revocations take effect, what it stores, how charts draw it.
// They come from the Info its server gave when the run began (results
// record it), so the report keeps no table of variants: a variant added
// to the registry is reported as its own results file describes it.
type Facts struct {
	// Stateful is true when every request consults a store.
	Stateful bool
	// Logout and RevokeUser are how soon each takes effect on a copied
	// credential.
	Logout, RevokeUser authbench.Revocation
	// LogoutBound and RevokeUserBound say the same as a bound with a
	// unit; nil when the results file does not record it.
	LogoutBound, RevokeUserBound *authbench.Bound
	// Store is Info.Store ("redis-cached", …); "" when not recorded.
	Store string
	// Colour and Marker draw the variant; "" when not recorded.
	Colour, Marker string
	// Known is false for a variant the results file does not describe.
	Known bool
}

// beforeInfo are the facts of the variants that existed before results
// recorded each variant's Info, for reading those older files. It is
// frozen: a variant added since comes with its Info and never goes here.
var beforeInfo = map[string]Facts{
	"none":          {Logout: authbench.RevocationUnsupported, RevokeUser: authbench.RevocationUnsupported, Known: true},
	"jwt":           {Logout: authbench.RevocationAtExpiry, RevokeUser: authbench.RevocationUnsupported, Known: true},
	"jwt-blacklist": {Stateful: true, Logout: authbench.RevocationImmediate, RevokeUser: authbench.RevocationImmediate, Known: true},
	"session":       {Stateful: true, Logout: authbench.RevocationImmediate, RevokeUser: authbench.RevocationImmediate, Known: true},
}

// revocation says how soon logout (or revoke-user) takes effect: the
// bound with its unit when recorded, else the words of older files.
func (f Facts) revocation(logout bool) string {
	b, r := f.RevokeUserBound, f.RevokeUser
	if logout {
		b, r = f.LogoutBound, f.Logout
	}
	if b != nil {
		return b.String()
	}
	return r.String()
}

// factsOf is what v's results say of the variant: its recorded Info, or
// for an older file without one, what was true of it then.
func factsOf(v results.VariantResult) Facts {
	if v.Info == nil {
		return beforeInfo[v.Variant]
	}
	i := v.Info
	return Facts{Stateful: i.Stateful, Logout: i.Logout, RevokeUser: i.RevokeUser,
		LogoutBound: i.LogoutBound, RevokeUserBound: i.RevokeUserBound,
		Store: i.Store, Colour: i.Colour, Marker: i.Marker, Known: true}
}

// perProcess reports whether the variant keeps its state in each server
// process (a credential works only where it was issued): its recorded
// store, or for a file written before Info, the one such variant then.
func (f Facts) perProcess(variant string) bool {
	if f.Store != "" {
		return f.Store == "process"
	}
	return variant == "session-memory"
}

// factsNamed is factsOf the first of r's results for the variant called
// name.
func factsNamed(r *results.Results, name string) Facts {
	for _, v := range r.Variants {
		if v.Variant == name {
			return factsOf(v)
		}
	}
	return beforeInfo[name]
}
