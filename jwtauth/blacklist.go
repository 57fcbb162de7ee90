package jwtauth

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/authbench/authbench"
	"github.com/redis/go-redis/v9"
)

// Redis key layout of jwt-blacklist, under Config.Prefix. jti and family
// ids are base64url, so they never contain ':' and no two key shapes can
// collide; a user name may contain anything, but its key is the only one
// that starts with "user:" and ends with ":revoked-before".
const (
	jtiKeyPart          = "jti:"  // jti:<jti> = "1": access token logged out
	userKeyPart         = "user:" // user:<sub>:revoked-before = unix µs
	revokedBeforeSuffix = ":revoked-before"
	famKeyPart          = "fam:"     // fam:<fam> = jti of the current refresh token
	famRevokedSuffix    = ":revoked" // fam:<fam>:revoked = "1": login family revoked
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
-- KEYS[1] fam:<fam>  KEYS[2] fam:<fam>:revoked  KEYS[3] user:<sub>:revoked-before
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

func (b *Backend) jtiKey(jti string) string { return b.prefix + jtiKeyPart + jti }
func (b *Backend) famKey(fam string) string { return b.prefix + famKeyPart + fam }
func (b *Backend) famRevokedKey(fam string) string {
	return b.prefix + famKeyPart + fam + famRevokedSuffix
}
func (b *Backend) userKey(user string) string {
	return b.prefix + userKeyPart + user + revokedBeforeSuffix
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
	p := b.prefix
	var sb strings.Builder
	sb.Grow(3*len(p) + len(jtiKeyPart) + len(c.ID) +
		len(userKeyPart) + len(c.Subject) + len(revokedBeforeSuffix) +
		len(famKeyPart) + len(c.Family) + len(famRevokedSuffix))
	sb.WriteString(p)
	sb.WriteString(jtiKeyPart)
	sb.WriteString(c.ID)
	i := sb.Len()
	sb.WriteString(p)
	sb.WriteString(userKeyPart)
	sb.WriteString(c.Subject)
	sb.WriteString(revokedBeforeSuffix)
	j := sb.Len()
	sb.WriteString(p)
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
func (b *Backend) startFamily(ctx context.Context, fam, refreshJTI string) error {
	if err := b.rdb.Set(ctx, b.famKey(fam), refreshJTI, b.familyTTL()).Err(); err != nil {
		return fmt.Errorf("%w: start login family: %w", authbench.ErrStoreUnavailable, err)
	}
	return nil
}

// rotate replaces c, the presented refresh token, by newJTI as its
// family's current refresh token, or reports why it may not.
func (b *Backend) rotate(ctx context.Context, c *Claims, newJTI string) error {
	keys := []string{b.famKey(c.Family), b.famRevokedKey(c.Family), b.userKey(c.Subject)}
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
				p.Set(ctx, b.jtiKey(access.ID), blacklistedValue, ttl)
			}
			p.Set(ctx, b.famRevokedKey(access.Family), blacklistedValue, b.familyTTL())
		}
		if refresh != nil && (access == nil || refresh.Family != access.Family) {
			p.Set(ctx, b.famRevokedKey(refresh.Family), blacklistedValue, b.familyTTL())
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
