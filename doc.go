// Package authbench holds the contract shared by every authentication
// backend the suite measures: the Backend interface, the Identity it
// returns, the sentinel errors, and the cookie rules all backends follow.
//
// The suite compares the two designs argued about in the article this
// project measures (see ../shared/seed/SUMMARY.md): server-side sessions
// (package sessionauth) and JSON Web Tokens, stateless or with a Redis
// blacklist (package jwtauth). Both sit behind the same HTTP handler set
// (package server), so every figure the suite reports compares the auth
// layer alone: routes, bodies and cookie attributes are identical.
//
// Implementations live in subpackages and assert at compile time that
// they satisfy the contract:
//
//	var _ authbench.Backend = (*Backend)(nil)
package authbench
