package jwtauth

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/authbench/authbench"
	"github.com/redis/go-redis/v9"
)

// Redis key layout of jwt-blacklist and jwt-epoch, under Config.Prefix.
// Every key of a user starts with the hash tag {u:<sub>}, so all the keys
// one request, script or pipeline touches (the MGET of jti, user mark and
// family; the rotation script's family and user keys) hash to one Redis
// Cluster slot, and users spread over the slots. jti and family ids are
// base64url, with neither ':' nor '}', so no two keys of different shapes
// or users can be equal: a user name may contain anything, and one with a
// '}' merely ends its tag early, the same way in all of its keys.
const (
	userTagOpen         = "{u:"
	userTagClose        = "}:"
	jtiKeyPart          = "jti:"           // {u:<sub>}:jti:<jti> = "1": access token logged out
	revokedBeforeSuffix = "revoked-before" // {u:<sub>}:revoked-before = unix µs
	famKeyPart          = "fam:"           // {u:<sub>}:fam:<fam> = jti of the current refresh token
	famRevokedSuffix    = ":revoked"       // {u:<sub>}:fam:<fam>:revoked = "1": login family revoked
	blacklistedValue    = "1"
)

// rotateScript rotates a family's refresh token atomically, in one round
// trip. Reading the current jti and writing the next one in a single
// script is what makes "two refreshes with one token" impossible: Redis
// runs scripts one at a time, so the second sees the first's new jti,
// takes the token for a replayed copy and revokes the family.
//
// A missing family key (never stored, expired, or the store was flushed)
// is treated like reuse: the token cannot be proven current.
//
// Returns 0 rotated, 1 family already revoked, 2 user revoked, 3 reuse.
var rotateScript = redis.NewScript(`
-- KEYS[1] {u:<sub>}:fam:<fam>  KEYS[2] {u:<sub>}:fam:<fam>:revoked  KEYS[3] {u:<sub>}:revoked-before
-- ARGV[1] presented jti  ARGV[2] new jti  ARGV[3] presented iat_us  ARGV[4] TTL ms
if redis.call('EXISTS', KEYS[2]) == 1 then return 1 end
local before = redis.call('GET', KEYS[3])
if before and tonumber(ARGV[3]) <= tonumber(before) then return 2 end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[4])
  return 0
end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[4])
return 3
`)

// Results of rotateScript.
const (
	rotated = iota
	rotateFamilyRevoked
	rotateUserRevoked
	rotateReused
)

// userTag is the start of every key of user: the prefix and the hash tag.
func (b *Backend) userTag(user string) string {
	return b.prefix + userTagOpen + user + userTagClose
}
func (b *Backend) jtiKey(user, jti string) string { return b.userTag(user) + jtiKeyPart + jti }
func (b *Backend) famKey(user, fam string) string { return b.userTag(user) + famKeyPart + fam }
func (b *Backend) famRevokedKey(user, fam string) string {
	return b.userTag(user) + famKeyPart + fam + famRevokedSuffix
}
func (b *Backend) userKey(user string) string { return b.userTag(user) + revokedBeforeSuffix }

// BlacklistKeys returns the Redis keys jwt-blacklist's Authenticate reads
// for c, in its MGET's order: the jti's logout mark, the user's
// revoked-before mark and the family's revoked mark. Exported for
// benchmarks that time the bare MGET and for tests that inspect the
// keys; the backend itself builds them in one buffer.
func (b *Backend) BlacklistKeys(c *Claims) []string {
	return []string{b.jtiKey(c.Subject, c.ID), b.userKey(c.Subject), b.famRevokedKey(c.Subject, c.Family)}
}

// familyTTL is how long family state must outlive the last refresh token
// issued: its lifetime, plus the leeway it is accepted past exp, plus a
// second for exp being truncated to whole seconds.
func (b *Backend) familyTTL() time.Duration { return b.refreshTTL + b.leeway + time.Second }

// userRevocationTTL is how long a revoked-before mark must live: until
// every token issued before it has expired, whichever kind it is.
func (b *Backend) userRevocationTTL() time.Duration {
	return max(b.accessTTL, b.refreshTTL) + b.leeway + time.Second
}

// checkRevoked asks Redis, in one MGET, whether c's jti is blacklisted,
// its user revoked since it was issued, or its family revoked. The three
// keys are built in one buffer (one allocation) since this runs on every
// request.
func (b *Backend) checkRevoked(ctx context.Context, c *Claims) error {
	tagLen := len(b.prefix) + len(userTagOpen) + len(c.Subject) + len(userTagClose)
	var sb strings.Builder
	sb.Grow(3*tagLen + len(jtiKeyPart) + len(c.ID) + len(revokedBeforeSuffix) +
		len(famKeyPart) + len(c.Family) + len(famRevokedSuffix))
	tag := func() {
		sb.WriteString(b.prefix)
		sb.WriteString(userTagOpen)
		sb.WriteString(c.Subject)
		sb.WriteString(userTagClose)
	}
	tag()
	sb.WriteString(jtiKeyPart)
	sb.WriteString(c.ID)
	i := sb.Len()
	tag()
	sb.WriteString(revokedBeforeSuffix)
	j := sb.Len()
	tag()
	sb.WriteString(famKeyPart)
	sb.WriteString(c.Family)
	sb.WriteString(famRevokedSuffix)
	keys := sb.String()

	vals, err := b.rdb.MGet(ctx, keys[:i], keys[i:j], keys[j:]).Result()
	if err != nil {
		return fmt.Errorf("%w: blacklist lookup: %w", authbench.ErrStoreUnavailable, err)
	}
	if len(vals) != 3 {
		return fmt.Errorf("%w: blacklist lookup returned %d values, want 3", authbench.ErrStoreUnavailable, len(vals))
	}
	if vals[0] != nil {
		return fmt.Errorf("%w: access token logged out", authbench.ErrRevoked)
	}
	if vals[2] != nil {
		return fmt.Errorf("%w: login family revoked", authbench.ErrRevoked)
	}
	if vals[1] != nil {
		s, _ := vals[1].(string)
		return revokedBefore(s, c)
	}
	return nil
}

// startFamily records refreshJTI as the current refresh token of a new
// login family.
func (b *Backend) startFamily(ctx context.Context, user, fam, refreshJTI string) error {
	if err := b.rdb.Set(ctx, b.famKey(user, fam), refreshJTI, b.familyTTL()).Err(); err != nil {
		return fmt.Errorf("%w: start login family: %w", authbench.ErrStoreUnavailable, err)
	}
	return nil
}

// rotate replaces c, the presented refresh token, by newJTI as its
// family's current refresh token, or reports why it may not.
func (b *Backend) rotate(ctx context.Context, c *Claims, newJTI string) error {
	keys := []string{b.famKey(c.Subject, c.Family), b.famRevokedKey(c.Subject, c.Family), b.userKey(c.Subject)}
	res, err := rotateScript.Run(ctx, b.rdb, keys, c.ID, newJTI, c.IssuedMicros, b.familyTTL().Milliseconds()).Int64()
	if err != nil {
		return fmt.Errorf("%w: rotate refresh token: %w", authbench.ErrStoreUnavailable, err)
	}
	switch res {
	case rotated:
		return nil
	case rotateFamilyRevoked:
		return fmt.Errorf("%w: login family revoked", authbench.ErrRevoked)
	case rotateUserRevoked:
		return fmt.Errorf("%w: user revoked", authbench.ErrRevoked)
	case rotateReused:
		return fmt.Errorf("%w: refresh token reused or unknown; login family revoked", authbench.ErrRevoked)
	default:
		return fmt.Errorf("%w: rotate script returned %d", authbench.ErrStoreUnavailable, res)
	}
}

// revokeTokens blacklists access (if any) until it expires and revokes
// the families of access and refresh, in one pipelined round trip.
func (b *Backend) revokeTokens(ctx context.Context, access, refresh *Claims) error {
	now := b.now()
	_, err := b.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		if access != nil {
			// Live as long as the parser would still accept the token.
			if ttl := access.ExpiresAt.Sub(now) + b.leeway + time.Second; ttl > 0 {
				p.Set(ctx, b.jtiKey(access.Subject, access.ID), blacklistedValue, ttl)
			}
			p.Set(ctx, b.famRevokedKey(access.Subject, access.Family), blacklistedValue, b.familyTTL())
		}
		if refresh != nil && (access == nil || refresh.Family != access.Family) {
			p.Set(ctx, b.famRevokedKey(refresh.Subject, refresh.Family), blacklistedValue, b.familyTTL())
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: logout: %w", authbench.ErrStoreUnavailable, err)
	}
	return nil
}

// revokeUser marks every token of user issued up to now as revoked.
func (b *Backend) revokeUser(ctx context.Context, user string) error {
	before := b.now().UnixMicro()
	if err := b.rdb.Set(ctx, b.userKey(user), before, b.userRevocationTTL()).Err(); err != nil {
		return fmt.Errorf("%w: revoke user %q: %w", authbench.ErrStoreUnavailable, user, err)
	}
	return nil
}
