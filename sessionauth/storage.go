package sessionauth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/authbench/authbench"
	"github.com/redis/go-redis/v9"
)

// storage is where Store keeps session records: Redis (redisStorage) or
// this process's memory (memStorage, Config.Memory). It holds exactly the
// operations the gorilla store needs, so that everything above it (cookie
// codec, ID minting, deadlines, rotation) is one code path whatever the
// storage, and the two variants differ only in where a record lives.
//
// Deadlines are the Store's business: it checks them with the injected
// clock on every load. The ttl a storage is given is only when it may
// forget the record (a Redis TTL), always a little later than the
// deadline (ttlSlack), so garbage is collected without deciding anything.
//
// IDs reaching a storage are always well formed (validID): cookies are
// decoded and checked before, and new IDs are minted by newID.
type storage interface {
	// insert stores rec under id, which must not exist (SET NX), adds id
	// to rec.user's index, and first ends the session old (when not
	// empty) as destroy does: login with rotation. It reports false when
	// id is already taken, in which case nothing is stored under it.
	insert(c context.Context, id string, rec record, ttl time.Duration, old string) (bool, error)
	// write replaces the record of an existing session, whose user is
	// unchanged, and renews its ttl (SET XX). It reports false when there
	// is no such session (it ended meanwhile), and then writes nothing.
	write(c context.Context, id string, rec record, ttl time.Duration) (bool, error)
	// get returns the record of id, or errUnknown when there is none.
	get(c context.Context, id string) (record, error)
	// destroy ends session id and removes it from its user's index. An
	// unknown id is not an error and creates nothing.
	destroy(c context.Context, id string) error
	// revoke ends every session of user and drops the user's index. A
	// user without sessions is not an error.
	revoke(c context.Context, user string) error
}

// Every storage error that is not about the session itself wraps
// authbench.ErrStoreUnavailable, so the Backend fails closed.

// redisStorage keeps sessions in Redis, at the keys and in the format
// documented in doc.go and record.go. Every operation is one round trip.
type redisStorage struct {
	client     redis.UniversalClient
	sessPrefix string        // <prefix>sess:
	userPrefix string        // <prefix>user:
	indexTTL   time.Duration // of a user's index: absolute timeout + ttlSlack
}

var _ storage = (*redisStorage)(nil)

func (s *redisStorage) sessionKey(id string) string { return sessionKey(s.sessPrefix, id) }
func (s *redisStorage) userKey(user string) string  { return userKey(s.userPrefix, user) }

// insert writes the session in one MULTI/EXEC transaction: the session
// key with SET NX, the ID added to the user's index (whose TTL is renewed
// to the absolute timeout, after which every session in it is dead), and
// the old session, if any, destroyed by destroyScript. The transaction's
// keys share the user's tag, so it runs on one Redis Cluster slot; an old
// session of another user (another tag, maybe another slot) is destroyed
// first, in a round trip of its own.
func (s *redisStorage) insert(c context.Context, id string, rec record, ttl time.Duration, old string) (bool, error) {
	key, userKey := s.sessionKey(id), s.userKey(rec.user)
	sameTag := old != "" && len(old) >= TagLen && old[:TagLen] == id[:TagLen]
	if old != "" && !sameTag {
		if err := s.destroy(c, old); err != nil {
			return false, err
		}
	}
	var set *redis.BoolCmd
	_, err := s.client.TxPipelined(c, func(p redis.Pipeliner) error {
		if sameTag {
			// A planted ID has no key, so this creates nothing; a
			// genuine previous session ends with the login.
			destroyScript.Eval(c, p, []string{s.sessionKey(old)}, s.userPrefix, old, TagLen)
		}
		set = p.SetNX(c, key, encodeRecord(rec), ttl)
		p.SAdd(c, userKey, id)
		p.PExpire(c, userKey, s.indexTTL)
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("%w: sessionauth: create session: %w", authbench.ErrStoreUnavailable, err)
	}
	return set.Val(), nil
}

// write rewrites an existing session with SET XX, so a session ended
// since it was loaded (logout, revocation) is not revived.
func (s *redisStorage) write(c context.Context, id string, rec record, ttl time.Duration) (bool, error) {
	ok, err := s.client.SetXX(c, s.sessionKey(id), encodeRecord(rec), ttl).Result()
	if err != nil {
		return false, fmt.Errorf("%w: sessionauth: update session: %w", authbench.ErrStoreUnavailable, err)
	}
	return ok, nil
}

// get is one GET; the value is decoded in place (see decodeRecord).
func (s *redisStorage) get(c context.Context, id string) (record, error) {
	v, err := s.client.Get(c, s.sessionKey(id)).Result()
	if err != nil {
		if errors.Is(err, redis.Nil) {
			return record{}, errUnknown
		}
		return record{}, fmt.Errorf("%w: sessionauth: get session: %w", authbench.ErrStoreUnavailable, err)
	}
	return decodeRecord(v)
}

// destroy is one destroyScript call.
func (s *redisStorage) destroy(c context.Context, id string) error {
	err := destroyScript.Run(c, s.client, []string{s.sessionKey(id)}, s.userPrefix, id, TagLen).Err()
	if err != nil {
		return fmt.Errorf("%w: sessionauth: delete session: %w", authbench.ErrStoreUnavailable, err)
	}
	return nil
}

// revoke is one revokeScript call.
func (s *redisStorage) revoke(c context.Context, user string) error {
	err := revokeScript.Run(c, s.client, []string{s.userKey(user)}, s.sessPrefix, TagLen).Err()
	if err != nil {
		return fmt.Errorf("%w: sessionauth: revoke sessions of %q: %w", authbench.ErrStoreUnavailable, user, err)
	}
	return nil
}
