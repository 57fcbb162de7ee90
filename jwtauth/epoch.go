package jwtauth

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/authbench/authbench"
	"github.com/redis/go-redis/v9"
)

// check is the store side of Authenticate: nothing for stateless jwt,
// one MGET for jwt-blacklist, one GET for jwt-epoch.
func (b *Backend) check(ctx context.Context, c *Claims) error {
	switch {
	case b.rdb == nil:
		return nil
	case b.epoch:
		return b.checkEpoch(ctx, c)
	}
	return b.checkRevoked(ctx, c)
}

// checkEpoch asks Redis, in one GET of the user's revoked-before mark,
// whether c was issued before the user's last logout or revocation. The
// mark is the only state jwt-epoch keeps: one small key per user who has
// logged out within the longest token lifetime, none for the others.
func (b *Backend) checkEpoch(ctx context.Context, c *Claims) error {
	v, err := b.rdb.Get(ctx, b.userKey(c.Subject)).Result()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: revoked-before lookup: %w", authbench.ErrStoreUnavailable, err)
	}
	return revokedBefore(v, c)
}

// revokedBefore applies a user's revoked-before mark v (unix µs) to c:
// ErrRevoked when c was issued at or before it. A value that does not
// parse fails closed, since it could be a revocation.
func revokedBefore(v string, c *Claims) error {
	before, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: malformed revoked-before %q for user %q", authbench.ErrStoreUnavailable, v, c.Subject)
	}
	if c.IssuedMicros <= before {
		return fmt.Errorf("%w: user revoked", authbench.ErrRevoked)
	}
	return nil
}

// logoutUser is jwt-epoch's logout: it moves the revoked-before mark of
// the user of each valid token present to now, which ends every login of
// that user, on every device — the price of keeping no per-token state.
// The two cookies name one user unless a client mixed two users' cookies;
// then both users are logged out.
func (b *Backend) logoutUser(ctx context.Context, access, refresh *Claims) error {
	done := ""
	for _, c := range []*Claims{access, refresh} {
		if c == nil || c.Subject == done {
			continue
		}
		if err := b.revokeUser(ctx, c.Subject); err != nil {
			return fmt.Errorf("logout: %w", err)
		}
		done = c.Subject
	}
	return nil
}
