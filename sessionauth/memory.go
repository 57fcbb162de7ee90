package sessionauth

import (
	"context"
	"sync"
	"time"
)

// memShards is how many independently locked parts memStorage is split
// into. The hot path (get, and write once per TouchInterval) locks only
// its session's shard, so requests for different sessions seldom wait on
// one another, and a sweep holds up one shard at a time. A session ID's
// first character is random and one of 64, so picking the shard is one
// table lookup and no hashing.
const memShards = 64

// memSweepMin is the fewest inserts into a shard between two sweeps of
// it, so that a small shard is not swept on every login.
const memSweepMin = 64

// memStorage keeps sessions in this process's memory (Config.Memory): the
// article's sticky-session case, where no store is shared, a session
// exists only on the instance that created it and a restart loses it all.
// It has the semantics of the Redis storage: a record is forgotten when
// its ttl has passed (by the clock of Config.Now), insert is SET NX,
// write is SET XX, and a per-user index lets revoke find every session of
// a user. Nothing here can fail, so it never returns ErrStoreUnavailable,
// and it ignores contexts: no operation blocks on I/O.
//
// Expired records are removed in two ways, so memory does not grow
// without bound when sessions are abandoned instead of logged out:
//   - lazily: get finds a record past its ttl, reports it absent and
//     deletes it (the Store usually gets there first: it deletes a
//     session once it finds it past a deadline, a little before the ttl);
//   - by sweeping: after as many inserts into a shard as the shard held
//     live records at its last sweep (at least memSweepMin), the insert
//     that reaches the count deletes every expired record of that shard.
//     Only inserts add records, so a shard holds at most twice its live
//     records at the previous sweep plus memSweepMin, and the sweep costs
//     amortised O(1) per insert. Without inserts nothing is swept, and
//     nothing grows either. No goroutine runs in the background, so there
//     is nothing to stop.
//
// (The Go map a shard uses keeps the buckets of its peak size; the bound
// is on records, and so on the strings and index entries they hold.)
type memStorage struct {
	now func() time.Time

	// mu guards users and is held by every operation that adds or
	// removes records (all but get's fast path and write), so a record
	// and its index entry come and go together. Lock order: mu before a
	// shard's mu, never the other way round.
	mu     sync.Mutex
	users  map[string]map[string]struct{} // user -> IDs of the user's records
	shards [memShards]memShard
}

// memShard is one part of memStorage.
type memShard struct {
	mu      sync.RWMutex
	entries map[string]memEntry // session ID -> record
	inserts int                 // inserts since the last sweep
	next    int                 // sweep when inserts reaches this
}

// memEntry is a stored record and when it is forgotten.
type memEntry struct {
	rec      record
	deadline int64 // Unix nanoseconds; from then on the record is absent
}

var _ storage = (*memStorage)(nil)

func newMemStorage(now func() time.Time) *memStorage {
	m := &memStorage{now: now, users: make(map[string]map[string]struct{})}
	for i := range m.shards {
		m.shards[i].entries = make(map[string]memEntry)
		m.shards[i].next = memSweepMin
	}
	return m
}

// shard returns the shard id belongs to, by its first character.
func (m *memStorage) shard(id string) *memShard {
	if id == "" {
		return &m.shards[0] // never happens: IDs are validID
	}
	return &m.shards[uint8(b64url[id[0]])%memShards]
}

func (m *memStorage) insert(_ context.Context, id string, rec record, ttl time.Duration, old string) (bool, error) {
	now := m.now().UnixNano()
	m.mu.Lock()
	defer m.mu.Unlock()
	if old != "" {
		m.removeLocked(old)
	}
	sh := m.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if e, ok := sh.entries[id]; ok {
		if now < e.deadline {
			return false, nil
		}
		m.dropLocked(sh, id, e) // past its ttl it is gone, as a Redis key would be
	}
	sh.entries[id] = memEntry{rec: rec, deadline: now + int64(ttl)}
	ids := m.users[rec.user]
	if ids == nil {
		ids = make(map[string]struct{})
		m.users[rec.user] = ids
	}
	ids[id] = struct{}{}
	if sh.inserts++; sh.inserts >= sh.next {
		m.sweepLocked(sh, now)
	}
	return true, nil
}

func (m *memStorage) write(_ context.Context, id string, rec record, ttl time.Duration) (bool, error) {
	now := m.now().UnixNano()
	sh := m.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.entries[id]
	if !ok || now >= e.deadline {
		return false, nil
	}
	// The user of a session never changes (Store.update refuses it);
	// keeping the stored string keeps the index right by construction.
	rec.user = e.rec.user
	sh.entries[id] = memEntry{rec: rec, deadline: now + int64(ttl)}
	return true, nil
}

func (m *memStorage) get(_ context.Context, id string) (record, error) {
	sh := m.shard(id)
	sh.mu.RLock()
	e, ok := sh.entries[id]
	sh.mu.RUnlock()
	if !ok {
		return record{}, errUnknown
	}
	if m.now().UnixNano() >= e.deadline {
		m.expire(id)
		return record{}, errUnknown
	}
	return e.rec, nil
}

func (m *memStorage) destroy(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.removeLocked(id)
	return nil
}

func (m *memStorage) revoke(_ context.Context, user string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id := range m.users[user] {
		sh := m.shard(id)
		sh.mu.Lock()
		delete(sh.entries, id)
		sh.mu.Unlock()
	}
	delete(m.users, user)
	return nil
}

// expire deletes id if it is still past its ttl: between get's read lock
// and this, another request may have deleted it, or (after a collision
// that 256 random bits make impossible) inserted a new record under it.
func (m *memStorage) expire(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	sh := m.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if e, ok := sh.entries[id]; ok && m.now().UnixNano() >= e.deadline {
		m.dropLocked(sh, id, e)
	}
}

// removeLocked deletes id and its index entry, if there is a record for
// it. m.mu must be held.
func (m *memStorage) removeLocked(id string) {
	sh := m.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if e, ok := sh.entries[id]; ok {
		m.dropLocked(sh, id, e)
	}
}

// sweepLocked deletes every record of sh past its ttl at now and sets
// when sh is swept next. m.mu and sh.mu must be held.
func (m *memStorage) sweepLocked(sh *memShard, now int64) {
	for id, e := range sh.entries {
		if now >= e.deadline {
			m.dropLocked(sh, id, e)
		}
	}
	sh.inserts = 0
	sh.next = max(memSweepMin, len(sh.entries))
}

// dropLocked deletes the record e stored under id in sh, and the index
// entry pointing to it; an index left empty is deleted too. m.mu and
// sh.mu must be held.
func (m *memStorage) dropLocked(sh *memShard, id string, e memEntry) {
	delete(sh.entries, id)
	if ids := m.users[e.rec.user]; ids != nil {
		delete(ids, id)
		if len(ids) == 0 {
			delete(m.users, e.rec.user)
		}
	}
}
