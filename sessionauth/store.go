package sessionauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/authbench/authbench"
	"github.com/gorilla/sessions"
	"github.com/redis/go-redis/v9"
)

// Keys of sessions.Session.Values that RedisStore understands. Values may
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

// RedisStore is a gorilla/sessions Store that keeps sessions in Redis
// through go-redis v9. No maintained go-redis v9 store is available to
// this project, so this one is written here, kept small and tested
// against a real redis-server.
//
// The cookie carries only the session ID (signed with securecookie unless
// Config.Unsigned); user, created-at and last-seen live in Redis at
// <prefix>sess:<id>, and every live ID of a user is listed in the set
// <prefix>user:<user>:sessions so that all of a user's sessions can be
// ended at once.
//
// Unlike a general-purpose store it refuses to adopt IDs it did not
// issue, the root of session fixation:
//   - a cookie value is checked for shape (and signature) before any Redis
//     command, so malformed IDs never reach Redis;
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
// load with the injected clock; Redis TTLs only collect the garbage.
// RedisStore is safe for concurrent use.
type RedisStore struct {
	client     redis.UniversalClient
	sessPrefix string // <prefix>sess:
	userPrefix string // <prefix>user:
	idle       time.Duration
	absolute   time.Duration
	touch      time.Duration
	codec      idCodec
	now        func() time.Time
}

var _ sessions.Store = (*RedisStore)(nil)

// userSuffix ends every per-user index key.
const userSuffix = ":sessions"

// NewRedisStore returns a store configured by cfg (see Config for the
// defaults). New calls it; use it directly to use the store without the
// Backend around it.
func NewRedisStore(cfg Config) (*RedisStore, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &RedisStore{
		client:     cfg.Client,
		sessPrefix: cfg.Prefix + "sess:",
		userPrefix: cfg.Prefix + "user:",
		idle:       cfg.IdleTimeout,
		absolute:   cfg.AbsoluteTimeout,
		touch:      cfg.TouchInterval,
		codec:      newIDCodec(cfg),
		now:        cfg.Now,
	}, nil
}

// SessionKey returns the Redis key a session ID is stored under:
// <prefix>sess:<id>.
func (s *RedisStore) SessionKey(id string) string { return s.sessPrefix + id }

// UserKey returns the Redis key of user's session index:
// <prefix>user:<user>:sessions.
func (s *RedisStore) UserKey(user string) string { return s.userPrefix + user + userSuffix }

// Get returns the session called name for r, cached in r's gorilla
// registry so that repeated calls within one request load it once. See
// New for what it returns.
func (s *RedisStore) Get(r *http.Request, name string) (*sessions.Session, error) {
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
func (s *RedisStore) New(r *http.Request, name string) (*sessions.Session, error) {
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

// Save persists sess and sets its cookie on w; see RedisStore for what it
// does for new, existing and deleted sessions. On error no cookie is set
// (except when deleting, where the cookie is cleared whatever happens).
// A new session costs one transaction (one round trip), an existing one
// one SET, a deletion one script call.
func (s *RedisStore) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
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
func (s *RedisStore) options() *sessions.Options {
	return &sessions.Options{
		Path:     "/",
		MaxAge:   int(s.absolute / time.Second),
		Secure:   true,
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
	}
}

// session returns an empty session with the default options.
func (s *RedisStore) session(name string) *sessions.Session {
	sess := sessions.NewSession(s, name)
	sess.Options = s.options()
	return sess
}

// fresh returns a new, unsaved session with a newly minted ID.
func (s *RedisStore) fresh(name string) *sessions.Session {
	sess := s.session(name)
	sess.ID = newID()
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
			return "", fmt.Errorf("sessionauth: RedisStore keeps only %q in a session; it holds %v as well", ValueUser, k)
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

// insert stores a new session in one MULTI/EXEC transaction: the session
// key with TTL = idle timeout, the ID added to the user's index (whose
// TTL is renewed to the absolute timeout, after which every session in it
// is dead), and the session r's cookie named, if any, destroyed. The ID
// is the one this store minted for sess, or a new one: never an ID from
// the request.
func (s *RedisStore) insert(r *http.Request, sess *sessions.Session, user string, now int64) error {
	id := sess.ID
	if st, _ := sess.Values[stateKey{}].(state); st.id != id || st.loaded || !validID(id) {
		id = newID()
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
	key, userKey := s.SessionKey(id), s.UserKey(user)
	c := ctx(r)
	var set *redis.BoolCmd
	_, err := s.client.TxPipelined(c, func(p redis.Pipeliner) error {
		if old != "" {
			// A planted ID has no key, so this creates nothing; a
			// genuine previous session ends with the login.
			destroyScript.Eval(c, p, []string{s.SessionKey(old)}, s.userPrefix, old)
		}
		set = p.SetNX(c, key, encodeRecord(rec), s.ttl(rec, now))
		p.SAdd(c, userKey, id)
		p.PExpire(c, userKey, s.absolute+ttlSlack)
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: sessionauth: create session: %w", authbench.ErrStoreUnavailable, err)
	}
	if !set.Val() {
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
func (s *RedisStore) update(c context.Context, sess *sessions.Session, user string, now int64) error {
	st, _ := sess.Values[stateKey{}].(state)
	switch {
	case !st.loaded || st.id != sess.ID:
		return errors.New("sessionauth: saving a session RedisStore did not load; save it as a new session (IsNew = true) instead")
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
func (s *RedisStore) write(c context.Context, id string, rec record, now int64) error {
	ok, err := s.client.SetXX(c, s.SessionKey(id), encodeRecord(rec), s.ttl(rec, now)).Result()
	if err != nil {
		return fmt.Errorf("%w: sessionauth: update session: %w", authbench.ErrStoreUnavailable, err)
	}
	if !ok {
		return errEnded
	}
	return nil
}

// load fetches and decodes a session with one GET and enforces its
// deadlines at now. A session past a deadline is deleted (one more round
// trip, once per session) and reported as ErrExpired.
func (s *RedisStore) load(c context.Context, id string, now int64) (record, error) {
	v, err := s.client.Get(c, s.SessionKey(id)).Result()
	if err != nil {
		if errors.Is(err, redis.Nil) {
			return record{}, errUnknown
		}
		return record{}, fmt.Errorf("%w: sessionauth: get session: %w", authbench.ErrStoreUnavailable, err)
	}
	rec, err := decodeRecord(v)
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
	// TTL removes it anyway.
	_ = s.destroy(c, id)
	return record{}, fmt.Errorf("%w: session reached its %s timeout", authbench.ErrExpired, why)
}

// authenticate is the hot path: load with one GET and, at most once per
// TouchInterval, a SET XX recording the activity.
func (s *RedisStore) authenticate(c context.Context, id string) (authbench.Identity, error) {
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

// destroy ends a session and removes it from its user's index, in one
// script call.
func (s *RedisStore) destroy(c context.Context, id string) error {
	err := destroyScript.Run(c, s.client, []string{s.SessionKey(id)}, s.userPrefix, id).Err()
	if err != nil {
		return fmt.Errorf("%w: sessionauth: delete session: %w", authbench.ErrStoreUnavailable, err)
	}
	return nil
}

// revoke ends every session of user in one script call.
func (s *RedisStore) revoke(c context.Context, user string) error {
	if err := checkUser(user); err != nil {
		return err
	}
	err := revokeScript.Run(c, s.client, []string{s.UserKey(user)}, s.sessPrefix).Err()
	if err != nil {
		return fmt.Errorf("%w: sessionauth: revoke sessions of %q: %w", authbench.ErrStoreUnavailable, user, err)
	}
	return nil
}

// expires returns when rec stops being accepted: its idle deadline capped
// by its absolute one, in Unix nanoseconds.
func (s *RedisStore) expires(rec record) int64 {
	return min(rec.lastSeen+int64(s.idle), rec.created+int64(s.absolute))
}

// ttl returns the Redis TTL for rec written at now: until its next
// deadline, plus ttlSlack.
func (s *RedisStore) ttl(rec record, now int64) time.Duration {
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
