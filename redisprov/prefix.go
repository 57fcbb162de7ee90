package redisprov

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// NewPrefix returns base followed by 8 random hex digits and a colon, for
// example "authbench:3f9a01c2:". Every run writes under its own prefix so
// that runs sharing one Redis never see each other's keys and cleanup can
// delete exactly what a run wrote.
func NewPrefix(base string) string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return base + hex.EncodeToString(b[:]) + ":"
}

// scanBatch is the SCAN COUNT hint and the most keys per UNLINK: large
// enough to clean thousands of keys in a few round trips, small enough not
// to block a shared server noticeably.
const scanBatch = 1000

// DeletePrefix deletes every key that starts with prefix, using SCAN MATCH
// and UNLINK, never FLUSHDB or KEYS, so it is safe on a Redis shared with
// other users and does not block it. It returns how many keys it deleted.
// An empty prefix is refused: it would match every key.
//
// c must reach a single Redis node; on a cluster client SCAN visits only
// one node.
func DeletePrefix(ctx context.Context, c redis.Cmdable, prefix string) (int64, error) {
	n, err := deletePrefix(ctx, c, prefix)
	if err != nil {
		return n, fmt.Errorf("redisprov: %w", err)
	}
	return n, nil
}

// deletePrefix is DeletePrefix with errors its callers prefix themselves.
func deletePrefix(ctx context.Context, c redis.Cmdable, prefix string) (int64, error) {
	if prefix == "" {
		return 0, errors.New("refusing to delete keys under an empty prefix (that is every key)")
	}
	match := escapeGlob(prefix) + "*"
	var deleted int64
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, match, scanBatch).Result()
		if err != nil {
			return deleted, fmt.Errorf("scan %q: %w", match, err)
		}
		if len(keys) > 0 {
			n, err := c.Unlink(ctx, keys...).Result()
			deleted += n
			if err != nil {
				return deleted, fmt.Errorf("unlink keys under %q: %w", prefix, err)
			}
		}
		if next == 0 {
			return deleted, nil
		}
		cursor = next
	}
}

// escapeGlob escapes the characters Redis' MATCH treats as a pattern, so
// that a prefix like "a*b:" matches only keys starting with "a*b:".
func escapeGlob(s string) string {
	if !strings.ContainsAny(s, `*?[]\^`) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', ']', '\\', '^':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
