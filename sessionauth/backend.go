package sessionauth

import (
	"context"
	"net/http"
	"time"

	"github.com/authbench/authbench"
	"github.com/gorilla/sessions"
)

// Cookie is the name of the session cookie. It is set with Path=/ and
// Max-Age = AbsoluteTimeout through authbench.NewCookie, so it has the
// same HttpOnly, Secure and SameSite=Strict attributes as the JWT cookies.
const Cookie = "session"

// Backend is the server-side session variant of authbench.Backend, built
// on Store: "session" on Redis, "session-memory" with Config.Memory. It
// is safe for concurrent use.
type Backend struct {
	store *Store
}

var _ authbench.Backend = (*Backend)(nil)

// New returns a Backend configured by cfg; see Config for the defaults.
func New(cfg Config) (*Backend, error) {
	s, err := NewStore(cfg)
	if err != nil {
		return nil, err
	}
	return &Backend{store: s}, nil
}

// Store returns the gorilla/sessions store the backend rests on, for
// handlers that want the gorilla API and for tests.
func (b *Backend) Store() *Store { return b.store }

// Info describes the variant: stateful, with logout and user revocation
// taking effect on the next request. It is named "session" on Redis,
// "session-cached" when the Redis client answers from go-redis's
// client-side cache (revocation then takes effect within MaxStaleness),
// and "session-memory" with Config.Memory, where "immediate" holds on the
// instance that holds the session, the only one that can accept it.
func (b *Backend) Info() authbench.Info {
	name := "session"
	switch {
	case b.store.memory:
		name = "session-memory"
	case b.store.staleness > 0:
		name = "session-cached"
	}
	return authbench.Info{
		Name:       name,
		Stateful:   true,
		Logout:     authbench.RevocationImmediate,
		RevokeUser: authbench.RevocationImmediate,
	}
}

// MaxStaleness is how long after a logout or revocation this instance may
// still accept the session because its Redis client answered from
// go-redis's client-side cache: the client's MaxStaleness, a hard bound
// reached only when invalidations stop arriving. 0 when the client does
// not cache.
func (b *Backend) MaxStaleness() time.Duration { return b.store.staleness }

// Authenticate returns the identity of r's session cookie. It costs one
// Redis GET, plus a SET once per TouchInterval per session; see Lookup.
func (b *Backend) Authenticate(r *http.Request) (authbench.Identity, error) {
	value, err := authbench.ReadCookie(r, Cookie)
	if err != nil {
		return authbench.Identity{}, err
	}
	return b.Lookup(r.Context(), value)
}

// Lookup is what Authenticate does once it has the cookie value; it is
// exported for benchmarks and fuzzing. The value is checked for shape
// (and, when signed, its HMAC verified) before any Redis command, so junk
// costs no round trip. Then one GET fetches the session, whose absolute
// and idle deadlines are checked with the injected clock: a session past
// either is deleted and ErrExpired returned. When last-seen is at least
// TouchInterval old it is rewritten (SET XX, TTL renewed): a second round
// trip at most once per TouchInterval per session instead of one write on
// every request.
//
// Errors: ErrUnauthenticated for a malformed, badly signed or unknown
// cookie (the three are indistinguishable to the client), ErrExpired, and
// ErrStoreUnavailable for any Redis failure: the backend fails closed.
func (b *Backend) Lookup(ctx context.Context, cookieValue string) (authbench.Identity, error) {
	id, err := b.store.codec.decode(Cookie, cookieValue)
	if err != nil {
		return authbench.Identity{}, err
	}
	return b.store.authenticate(ctx, id)
}

// Login starts a session for user, rotating: whatever session cookie r
// carries is discarded (a genuine session is ended server-side; a planted
// ID, never issued, gets no key) and a new ID is minted. The session, its
// entry in the user's index and the old session's deletion are written in
// one MULTI/EXEC transaction, one round trip. Creation goes through the
// gorilla/sessions API (a new Session saved by Store.Save, which
// sets the cookie). On error, including ErrStoreUnavailable, no cookie is
// set.
func (b *Backend) Login(w http.ResponseWriter, r *http.Request, user string) (authbench.Identity, error) {
	if err := checkUser(user); err != nil {
		return authbench.Identity{}, err
	}
	sess := b.store.fresh(Cookie)
	sess.Values[ValueUser] = user
	if err := sess.Save(r, w); err != nil {
		return authbench.Identity{}, err
	}
	return b.identity(sess), nil
}

// Refresh renews r's session. A session needs no separate refresh
// credential, but the handler set serves the same routes for every
// backend (the article's front end calls /auth/refresh every 10 minutes),
// so Refresh authenticates the session cookie, moves the idle deadline
// forward (last-seen rewritten, TTL renewed, whatever TouchInterval says)
// and sets the cookie again; nothing is rotated. It costs two round trips
// (GET, SET XX). Errors are those of Authenticate; on error no cookie is
// set.
func (b *Backend) Refresh(w http.ResponseWriter, r *http.Request) (authbench.Identity, error) {
	if _, err := authbench.ReadCookie(r, Cookie); err != nil {
		return authbench.Identity{}, err // none, empty, duplicated, oversized
	}
	sess, err := b.store.New(r, Cookie)
	if err != nil {
		return authbench.Identity{}, err
	}
	if err := sess.Save(r, w); err != nil {
		return authbench.Identity{}, err
	}
	return b.identity(sess), nil
}

// Logout clears the session cookie whatever happens and ends the session
// it names: the key deleted and the ID removed from the user's index in
// one script call, one round trip. No cookie, or one that cannot be a
// session ID, means nothing to end: nil. ErrStoreUnavailable means the
// session may still be live.
func (b *Backend) Logout(w http.ResponseWriter, r *http.Request) error {
	authbench.ClearCookie(w, Cookie, "/")
	value, err := authbench.ReadCookie(r, Cookie)
	if err != nil {
		return nil
	}
	id, err := b.store.codec.decode(Cookie, value)
	if err != nil {
		return nil
	}
	return b.store.destroy(r.Context(), id)
}

// RevokeUser ends every session of user, as after an account takeover, in
// one atomic script call (see revokeScript). A user without sessions is
// not an error.
func (b *Backend) RevokeUser(ctx context.Context, user string) error {
	return b.store.revoke(ctx, user)
}

// identity returns the identity of a session Store just saved.
func (b *Backend) identity(sess *sessions.Session) authbench.Identity {
	st, _ := sess.Values[stateKey{}].(state)
	lastSeen, _ := sess.Values[ValueLastSeen].(time.Time)
	rec := record{user: st.user, created: st.created, lastSeen: lastSeen.UnixNano()}
	return authbench.Identity{User: st.user, Expires: time.Unix(0, b.store.expires(rec))}
}
