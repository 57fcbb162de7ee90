// Package jwtauth is the JSON Web Token side of the comparison: the login
// the article describes (an access token and a refresh token in HttpOnly,
// Secure, SameSite=Strict cookies, the access token living 15 minutes and
// renewed through /auth/refresh), in two variants behind one Backend.
//
//   - "jwt" (Config.Blacklist nil) is stateless: Authenticate checks a
//     signature and a few claims and touches no store. That is the
//     scalability the article credits JWT with, and its price: Logout can
//     only ask the browser to drop the cookies (ErrUnsupported, the copy
//     stays valid until exp) and RevokeUser is impossible.
//   - "jwt-blacklist" (Config.Blacklist set) is the article's fix: revoked
//     tokens are listed in Redis and every request checks the list, which
//     makes revocation immediate at the price of the statelessness.
//     Authenticate costs exactly one Redis round trip (an MGET) and fails
//     closed with ErrStoreUnavailable when Redis cannot answer.
//
// # Verification
//
// Keys are parsed once (GenerateKeys, HMACKeys, LoadKeys) and the
// golang-jwt parser is built once in New, with one accepted algorithm,
// required exp, pinned issuer and audience, iat not in the future, the
// injected clock and leeway, and strict base64. The key is never chosen by
// the token (kid, jwk, jku, x5u, x5c are ignored), a "crit" header is
// refused (RFC 7515 §4.1.11), tokens over authbench.MaxCookieBytes are
// refused before decoding, and a "use" claim keeps refresh tokens and
// access tokens from standing in for each other.
//
// # Refresh rotation
//
// Every Login starts a family (a random "fam" claim carried by all tokens
// descending from that login). Refresh issues a new access token and a new
// refresh token of the same family, and the refresh lifetime restarts
// (sliding). In jwt-blacklist, Redis keeps the family's current refresh jti
// and a Lua script swaps it atomically; presenting any other (already
// rotated) refresh token of the family is taken as theft and revokes the
// family, including its live access tokens. A consequence worth knowing:
// two tabs refreshing with the same cookie at the same instant look
// exactly like theft, so one of them wins and then the family is revoked.
// The stateless variant rotates too but cannot detect reuse, so an old
// refresh token stays exchangeable until it expires.
//
// # Redis keys (jwt-blacklist), under Config.Prefix
//
//	jti:<jti>                  "1"  access token logged out; TTL its remaining life + Leeway + 1s
//	fam:<fam>                  jti  the family's current refresh token; TTL RefreshTTL + Leeway + 1s
//	fam:<fam>:revoked          "1"  family revoked (logout or reuse); TTL RefreshTTL + Leeway + 1s
//	user:<sub>:revoked-before  µs   RevokeUser time; TTL max(AccessTTL, RefreshTTL) + Leeway + 1s
//
// All keys are touched by MGET or a script with several keys, so Redis
// Cluster would need hash tags; the suite uses a single Redis.
//
// # Revoked-before precision
//
// RevokeUser stores its time in Unix microseconds, and every token carries
// its issue time in microseconds in the "iat_us" claim (iat has whole
// seconds only, so "revoke, then log in again within the same second"
// would otherwise revoke the new login too). A token is revoked when
// iat_us <= revoked-before: inclusive, so a token minted at the very
// microsecond of the revocation dies with it (fail closed), and a login
// that starts after RevokeUser returned (at least one Redis round trip
// later) is unaffected. Microseconds rather than nanoseconds because the
// refresh script compares them in Lua, whose numbers are doubles; they are
// exact below 2^53, that is until the year 2255. Servers' clocks must
// agree to within the time between a revocation and the next login.
//
// # Errors
//
// Every error wraps an authbench sentinel: an expired but otherwise valid
// token is ErrExpired, any other invalid token ErrUnauthenticated, a
// blacklisted token, family or user ErrRevoked, and a Redis failure
// ErrStoreUnavailable.
package jwtauth
