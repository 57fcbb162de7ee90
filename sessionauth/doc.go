// Package sessionauth is the server-side session variant of
// authbench.Backend: the design the article (../shared/seed/SUMMARY.md)
// starts from, where the browser holds only a session ID and the server
// looks it up on every request.
//
// Sessions live in Redis, behind Store, a gorilla/sessions Store written
// here for go-redis v9. The cookie carries a session ID: the user's
// 4-character tag (TagLen) and 256 random bits (43 base64url characters),
// HMAC-signed with gorilla/securecookie unless Config.Unsigned; Redis
// holds, per session, a compact binary value (see record.go) and, per
// user, a set of session IDs:
//
//	<prefix>sess:{<tag>}<random>         user, created-at, last-seen; TTL = next deadline + 5s
//	<prefix>user:{<tag>}<user>:sessions  set of the user's session IDs; TTL = absolute timeout + 5s
//
// Round trips per operation, which is what the suite measures against the
// stateless JWT variant:
//
//	Authenticate  1 (GET); 2 (GET, SET XX) at most once per TouchInterval per session;
//	              2 (GET, delete script) once, when the session is found expired
//	Login         1 (MULTI: end old session, SET NX, SADD, PEXPIRE, EXEC)
//	Refresh       2 (GET, SET XX)
//	Logout        1 (script: GET, DEL, SREM)
//	RevokeUser    1 (script: SMEMBERS, UNLINK ...)
//
// (A script call costs one more round trip the first time after a Redis
// restart, when EVALSHA reports NOSCRIPT and the script is sent whole.)
//
// Deadlines are enforced server-side with an injectable clock: a session
// ends IdleTimeout after its last recorded activity (sliding) and
// AbsoluteTimeout after login whatever its activity, the two lifetimes of
// the JWT variant's access and refresh tokens. Because revocation is a
// delete, Logout and RevokeUser take effect on the next request, which is
// what the JWT variant can only approximate with a blacklist.
//
// Malformed cookies never reach Redis, IDs the store did not issue are
// never written, and login always rotates the ID, so a session cannot be
// fixed by an attacker. When Redis is unreachable every operation fails
// closed with authbench.ErrStoreUnavailable.
//
// The logout and revocation scripts delete keys whose names they read
// from other keys, which Redis Cluster allows only within one hash slot.
// So every key of a user carries the user's tag, {<tag>}, as its hash tag:
// an ID is minted with its user's tag (an ID minted before the user was
// known is replaced at the first Save), and the login transaction, the
// scripts and the index all stay in the user's slot. The same code runs on
// a single Redis and on a cluster (a redis.ClusterClient as Config.Client);
// users spread over the slots by their tag. Only ending another user's
// session at login (a shared browser) costs a round trip of its own.
//
// With Config.Memory the same Store keeps the same records in this
// process's memory instead (variant "session-memory"): no round trips at
// all, but no sharing either, the article's sticky-session case. Sessions
// are then bound to the instance that issued them and die with it. Both
// storages sit behind one small internal interface (storage.go), so the
// cookie handling, rotation and deadlines above are the same code.
package sessionauth
