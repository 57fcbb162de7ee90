package sessionauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/authbench/authbench"
	"github.com/authbench/authbench/internal/csc"
	"github.com/gorilla/sessions"
)

// Keys of sessions.Session.Values that Store understands. Values may
// hold nothing else: the store keeps only what authentication needs (see
// record.go), and Save refuses other keys rather than drop them silently.
const (
	// ValueUser is the user name, a non-empty string; set it before
	// saving a new session.
	ValueUser = "user"
	// ValueCreated is the login time, a time.Time set by the store. It is
	// informational: the absolute deadline is computed from the time the
	// store recorded, so changing this value cannot extend a session.
	ValueCreated = "created"
	// ValueLastSeen is the last recorded activity, a time.Time set by the
	// store.
	ValueLastSeen = "last_seen"
)

// Store is a gorilla/sessions Store that keeps sessions in Redis through
// go-redis v9 or, with Config.Memory, in this process's memory. No
// maintained go-redis v9 store is available to this project, so this one
// is written here, kept small and tested against a real redis-server and
// against its in-memory storage alike.
//
// The cookie carries only the session ID (signed with securecookie unless
// Config.Unsigned); user, created-at and last-seen live in Redis at
// <prefix>sess:<id>, and every live ID of a user is listed in the set
// <prefix>user:<user>:sessions so that all of a user's sessions can be
// ended at once. The in-memory storage keeps the same record and index in
// maps (see Config.Memory).
//
// Unlike a general-purpose store it refuses to adopt IDs it did not
// issue, the root of session fixation:
//   - a cookie value is checked for shape (and signature) before any
//     storage operation, so malformed IDs never reach Redis;
//   - New, given a cookie naming no live session, returns a fresh session
//     with a newly minted ID (IsNew true), never one that reuses the
//     cookie's ID;
//   - Save of a new session (IsNew true) writes only under an ID this
//     store minted, with SET NX, and in the same transaction ends the
//     session the request's cookie named, if any: saving a new session
//     rotates the ID. Setting IsNew on a loaded session is thus how a
//     caller rotates it, for example on a privilege change;
//   - Save of an existing session (IsNew false) rewrites it with SET XX,
//     so a session ended meanwhile (logout, revocation) is not revived.
//
// A session whose Options.MaxAge is zero or less is deleted by Save, as
// gorilla's stores do, and its cookie cleared. Cookies always get the
// attributes of authbench.NewCookie (HttpOnly, Secure, SameSite=Strict)
// whatever Options say; only Path, Domain and MaxAge are taken from them.
//
// Deadlines (idle and absolute timeout) are enforced by the store on every
// load with the injected clock; Redis TTLs (and the in-memory storage's
// equivalent) only collect the garbage. Store is safe for concurrent use.
type Store struct {
	data       storage
	memory     bool          // data is a memStorage
	staleness  time.Duration // > 0: the Redis client answers from go-redis's client-side cache, replies at most this old
	sessPrefix string        // <prefix>sess:
	userPrefix string        // <prefix>user:
	idle       time.Duration
	absolute   time.Duration
	touch      time.Duration
	codec      idCodec
	now        func() time.Time
}

var _ sessions.Store = (*Store)(nil)

// userSuffix ends every per-user index key.
const userSuffix = ":sessions"

// NewStore returns a store configured by cfg (see Config for the
// defaults): on Redis, or in memory with Config.Memory. New calls it; use
// it directly to use the store without the Backend around it.
func NewStore(cfg Config) (*Store, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Store{
		memory:     cfg.Memory,
		sessPrefix: cfg.Prefix + "sess:",
		userPrefix: cfg.Prefix + "user:",
		idle:       cfg.IdleTimeout,
		absolute:   cfg.AbsoluteTimeout,
		touch:      cfg.TouchInterval,
		codec:      newIDCodec(cfg),
		now:        cfg.Now,
	}
	if strings.ContainsAny(cfg.Prefix, "{}") {
		return nil, fmt.Errorf("sessionauth: Config.Prefix %q contains '{' or '}': every key would share its hash tag and one Redis Cluster slot", cfg.Prefix)
	}
	if cfg.Memory {
		s.data = newMemStorage(cfg.Now)
	} else {
		bound, _, err := csc.Staleness(cfg.Client)
		if err != nil {
			return nil, fmt.Errorf("sessionauth: Config.Client: %w", err)
		}
		s.staleness = bound
		s.data = &redisStorage{
			client:     cfg.Client,
			sessPrefix: s.sessPrefix,
			userPrefix: s.userPrefix,
			indexTTL:   cfg.AbsoluteTimeout + ttlSlack,
		}
	}
	return s, nil
}

// SessionKey returns the Redis key a session ID is stored under:
// <prefix>sess:{<tag>}<rest of the id>, the ID's user tag as the hash
// tag. (With Config.Memory there are no keys; the name is still what the
// session would be stored under in Redis.)
func (s *Store) SessionKey(id string) string { return sessionKey(s.sessPrefix, id) }

// UserKey returns the Redis key of user's session index:
// <prefix>user:{<tag>}<user>:sessions. (See SessionKey for Config.Memory.)
func (s *Store) UserKey(user string) string { return userKey(s.userPrefix, user) }

// sessionKey and userKey build the two key shapes; the scripts in
// scripts.go build the same names in Lua. An ID shorter than TagLen never
// gets here (validID), but is keyed whole rather than sliced.
func sessionKey(sessPrefix, id string) string {
	if len(id) < TagLen {
		return sessPrefix + id
	}
	return sessPrefix + "{" + id[:TagLen] + "}" + id[TagLen:]
}

func userKey(userPrefix, user string) string {
	return userPrefix + "{" + userTag(user) + "}" + user + userSuffix
}

// Get returns the session called name for r, cached in r's gorilla
// registry so that repeated calls within one request load it once. See
// New for what it returns.
func (s *Store) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New loads the session r's cookie called name refers to. It always
// returns a usable session: when r has no such cookie, a fresh one
// (IsNew true, a newly minted ID) and a nil error; when the cookie is
// malformed, badly signed or names no session, a fresh one and an error
// wrapping authbench.ErrUnauthenticated; when the session is past a
// deadline, a fresh one and ErrExpired (the stale session is deleted);
// when Redis cannot be reached, a fresh one and ErrStoreUnavailable.
// Loading costs one GET; it does not record activity (Save does).
func (s *Store) New(r *http.Request, name string) (*sessions.Session, error) {
	if r == nil {
		return s.fresh(name), nil
	}
	value, err := authbench.ReadCookie(r, name)
	if err != nil {
		if _, none := r.Cookie(name); errors.Is(none, http.ErrNoCookie) {
			err = nil
		}
		return s.fresh(name), err
	}
	id, err := s.codec.decode(name, value)
	if err != nil {
		return s.fresh(name), err
	}
	now := s.now().UnixNano()
	rec, err := s.load(ctx(r), id, now)
	if err != nil {
		return s.fresh(name), err
	}
	sess := s.session(name)
	sess.ID = id
	sess.Values[ValueUser] = rec.user
	sess.Values[ValueCreated] = time.Unix(0, rec.created)
	sess.Values[ValueLastSeen] = time.Unix(0, rec.lastSeen)
	sess.Values[stateKey{}] = state{id: id, user: rec.user, created: rec.created, loaded: true}
	return sess, nil
}

// Save persists sess and sets its cookie on w; see Store for what it
// does for new, existing and deleted sessions. On error no cookie is set
// (except when deleting, where the cookie is cleared whatever happens).
// A new session costs one transaction (one round trip), an existing one
// one SET, a deletion one script call.
func (s *Store) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	opts := sess.Options
	if opts == nil {
		opts = s.options()
	}
	if opts.MaxAge <= 0 {
		clear := authbench.NewCookie(sess.Name(), "", opts.Path, 0)
		clear.Domain = opts.Domain
		http.SetCookie(w, clear)
		if sess.IsNew || !validID(sess.ID) {
			return nil
		}
		return s.destroy(ctx(r), sess.ID)
	}
	user, err := sessionUser(sess)
	if err != nil {
		return err
	}
	now := s.now()
	if sess.IsNew {
		err = s.insert(r, sess, user, now.UnixNano())
	} else {
		err = s.update(ctx(r), sess, user, now.UnixNano())
	}
	if err != nil {
		return err
	}
	value, err := s.codec.encode(sess.Name(), sess.ID)
	if err != nil {
		return err
	}
	c := authbench.NewCookie(sess.Name(), value, opts.Path, time.Duration(opts.MaxAge)*time.Second)
	c.Domain = opts.Domain
	http.SetCookie(w, c)
	return nil
}

// stateKey is the Values key under which the store keeps what it knows
// about a session it handed out. It is unexported so that only this
// package can set it: Save trusts the ID, user and created-at recorded
// here, not whatever the caller put in ID or Values.
type stateKey struct{}

// state is the store's record of a session it handed out. For a fresh
// session only id (the minted ID) is set.
type state struct {
	id      string
	user    string
	created int64
	loaded  bool
}

// options returns the default cookie options of a session: those of
// authbench.NewCookie, living as long as the absolute timeout.
func (s *Store) options() *sessions.Options {
	return &sessions.Options{
		Path:     "/",
		MaxAge:   int(s.absolute / time.Second),
		Secure:   true,
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
	}
}

// session returns an empty session with the default options.
func (s *Store) session(name string) *sessions.Session {
	sess := sessions.NewSession(s, name)
	sess.Options = s.options()
	return sess
}

// fresh returns a new, unsaved session with a newly minted ID.
func (s *Store) fresh(name string) *sessions.Session {
	sess := s.session(name)
	sess.ID = newID("")
	sess.IsNew = true
	sess.Values[stateKey{}] = state{id: sess.ID}
	return sess
}

// sessionUser returns the user a session is to be saved for, refusing
// values the store would not keep.
func sessionUser(sess *sessions.Session) (string, error) {
	for k := range sess.Values {
		switch k {
		case ValueUser, ValueCreated, ValueLastSeen, stateKey{}:
		default:
			return "", fmt.Errorf("sessionauth: Store keeps only %q in a session; it holds %v as well", ValueUser, k)
		}
	}
	user, _ := sess.Values[ValueUser].(string)
	if err := checkUser(user); err != nil {
		return "", err
	}
	return user, nil
}

// checkUser refuses user names the store cannot keep.
func checkUser(user string) error {
	switch {
	case user == "":
		return errors.New("sessionauth: empty user name")
	case len(user) > MaxUserBytes:
		return fmt.Errorf("sessionauth: user name of %d bytes exceeds %d", len(user), MaxUserBytes)
	}
	return nil
}

// insert stores a new session, on Redis in one MULTI/EXEC transaction
// (see redisStorage.insert): the session with TTL = idle timeout, the ID
// added to the user's index, and the session r's cookie named, if any,
// destroyed. The ID is the one this store minted for sess, or a new one:
// never an ID from the request.
func (s *Store) insert(r *http.Request, sess *sessions.Session, user string, now int64) error {
	id := sess.ID
	if st, _ := sess.Values[stateKey{}].(state); st.id != id || st.loaded || !validID(id) || id[:TagLen] != userTag(user) {
		id = newID(user) // the user's tag, so the session shares its index's slot
	}
	var old string
	if r != nil {
		if v, err := authbench.ReadCookie(r, sess.Name()); err == nil {
			if prev, err := s.codec.decode(sess.Name(), v); err == nil && prev != id {
				old = prev
			}
		}
	}
	rec := record{user: user, created: now, lastSeen: now}
	set, err := s.data.insert(ctx(r), id, rec, s.ttl(rec, now), old)
	if err != nil {
		return err
	}
	if !set {
		// 256 random bits do not collide; if they did, the other
		// session must not be overwritten.
		return fmt.Errorf("sessionauth: session ID %.8s... already in use", id)
	}
	sess.ID = id
	sess.IsNew = false
	sess.Values[ValueCreated] = time.Unix(0, now)
	sess.Values[ValueLastSeen] = time.Unix(0, now)
	sess.Values[stateKey{}] = state{id: id, user: user, created: now, loaded: true}
	return nil
}

// update records activity on a session loaded by New: last-seen becomes
// now and the TTL is renewed. SET XX writes only if the key still exists,
// so a session ended since it was loaded stays ended.
func (s *Store) update(c context.Context, sess *sessions.Session, user string, now int64) error {
	st, _ := sess.Values[stateKey{}].(state)
	switch {
	case !st.loaded || st.id != sess.ID:
		return errors.New("sessionauth: saving a session the Store did not load; save it as a new session (IsNew = true) instead")
	case st.user != user:
		return errors.New("sessionauth: the user of a saved session cannot change; save it as a new session (IsNew = true), which rotates its ID")
	case now >= st.created+int64(s.absolute):
		return fmt.Errorf("%w: session reached its absolute timeout", authbench.ErrExpired)
	}
	rec := record{user: user, created: st.created, lastSeen: now}
	if err := s.write(c, sess.ID, rec, now); err != nil {
		return err
	}
	sess.Values[ValueLastSeen] = time.Unix(0, now)
	return nil
}

// write rewrites an existing session with SET XX and a TTL derived from
// rec's deadlines.
func (s *Store) write(c context.Context, id string, rec record, now int64) error {
	ok, err := s.data.write(c, id, rec, s.ttl(rec, now))
	if err != nil {
		return err
	}
	if !ok {
		return errEnded
	}
	return nil
}

// load fetches and decodes a session with one GET and enforces its
// deadlines at now. A session past a deadline is deleted (one more round
// trip, once per session) and reported as ErrExpired.
func (s *Store) load(c context.Context, id string, now int64) (record, error) {
	rec, err := s.data.get(c, id)
	if err != nil {
		return record{}, err
	}
	var why string
	switch {
	case now >= rec.created+int64(s.absolute):
		why = "absolute"
	case now >= rec.lastSeen+int64(s.idle):
		why = "idle"
	default:
		return rec, nil
	}
	// The verdict stands whether or not the delete succeeds: the key's
	// TTL removes it anyway. Through a client-side cache the record may be
	// a copy from before this instance's own last touch (its invalidation
	// is applied asynchronously, within the cache's bound), so the session
	// is not deleted on that evidence: the TTL, set from the real record,
	// collects it.
	if s.staleness == 0 {
		_ = s.destroy(c, id)
	}
	return record{}, fmt.Errorf("%w: session reached its %s timeout", authbench.ErrExpired, why)
}

// authenticate is the hot path: load with one GET and, at most once per
// TouchInterval, a SET XX recording the activity.
func (s *Store) authenticate(c context.Context, id string) (authbench.Identity, error) {
	now := s.now().UnixNano()
	rec, err := s.load(c, id, now)
	if err != nil {
		return authbench.Identity{}, err
	}
	if now-rec.lastSeen >= int64(s.touch) {
		rec.lastSeen = now
		if err := s.write(c, id, rec, now); err != nil {
			return authbench.Identity{}, err
		}
	}
	return authbench.Identity{User: rec.user, Expires: time.Unix(0, s.expires(rec))}, nil
}

// destroy ends a session and removes it from its user's index, on Redis
// in one script call.
func (s *Store) destroy(c context.Context, id string) error {
	return s.data.destroy(c, id)
}

// revoke ends every session of user, on Redis in one script call.
func (s *Store) revoke(c context.Context, user string) error {
	if err := checkUser(user); err != nil {
		return err
	}
	return s.data.revoke(c, user)
}

// expires returns when rec stops being accepted: its idle deadline capped
// by its absolute one, in Unix nanoseconds.
func (s *Store) expires(rec record) int64 {
	return min(rec.lastSeen+int64(s.idle), rec.created+int64(s.absolute))
}

// ttl returns the Redis TTL (or the in-memory storage's equivalent) for
// rec written at now: until its next deadline, plus ttlSlack.
func (s *Store) ttl(rec record, now int64) time.Duration {
	return time.Duration(s.expires(rec)-now) + ttlSlack
}

// ctx returns r's context, or the background one for a nil request (the
// gorilla API allows one in Save).
func ctx(r *http.Request) context.Context {
	if r == nil {
		return context.Background()
	}
	return r.Context()
}

var (
	// errUnknown: a well-formed ID naming no session. It reads the same
	// as a malformed cookie, so a client learns nothing from the
	// difference; it is preallocated because it costs a round trip to
	// reach and must not cost an allocation as well.
	errUnknown = fmt.Errorf("%w: no such session", authbench.ErrUnauthenticated)
	// errEnded: the session was ended between load and write.
	errEnded = fmt.Errorf("%w: session ended concurrently", authbench.ErrUnauthenticated)
)
