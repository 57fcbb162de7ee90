package sessionauth

import (
	"encoding/binary"
	"fmt"

	"github.com/authbench/authbench"
)

// The session value stored at <prefix>sess:<id> is, byte by byte:
//
//	offset  size  field
//	0       1     format version, recordVersion (0x01)
//	1       8     created-at, Unix nanoseconds, big-endian int64
//	9       8     last-seen, Unix nanoseconds, big-endian int64
//	17      n     user name, raw bytes, to the end of the value
//
// A "user-42" session is 24 bytes. The format is hand-written rather than
// gob (gorilla's default) or JSON because it is decoded on every
// authenticated request: two fixed-offset integers and a substring of the
// string go-redis already returned, so decoding allocates nothing and
// costs a few nanoseconds, where gob would resend type information with
// every value (a gob'd map[interface{}]interface{} is well over 100 bytes)
// and decode by reflection into fresh maps and interfaces. Fixed widths
// also keep the logout script able to find the user (string.sub(v, 18))
// without a parser. The version byte lets a later layout coexist.
const (
	recordVersion    = 0x01
	recordHeaderSize = 17
)

// record is a decoded session value. Times are Unix nanoseconds so the
// hot path compares integers.
type record struct {
	user     string
	created  int64
	lastSeen int64
}

// appendRecord appends rec's encoding to dst.
func appendRecord(dst []byte, rec record) []byte {
	dst = append(dst, recordVersion)
	dst = binary.BigEndian.AppendUint64(dst, uint64(rec.created))
	dst = binary.BigEndian.AppendUint64(dst, uint64(rec.lastSeen))
	return append(dst, rec.user...)
}

// encodeRecord returns rec's encoding in a buffer of exactly its size.
func encodeRecord(rec record) []byte {
	return appendRecord(make([]byte, 0, recordHeaderSize+len(rec.user)), rec)
}

// decodeRecord parses a stored value. It reads the string in place (the
// user is a substring of v), so it allocates nothing on success. A value
// it does not recognise is reported as ErrUnauthenticated: it is not a
// session this version issued.
func decodeRecord(v string) (record, error) {
	if len(v) <= recordHeaderSize || v[0] != recordVersion || len(v) > recordHeaderSize+MaxUserBytes {
		return record{}, errBadRecord
	}
	return record{
		created:  int64(be64(v[1:9])),
		lastSeen: int64(be64(v[9:17])),
		user:     v[recordHeaderSize:],
	}, nil
}

// be64 is binary.BigEndian.Uint64 for a string, which would otherwise
// need a []byte conversion (an allocation) first.
func be64(s string) uint64 {
	_ = s[7] // one bounds check for the eight reads below
	return uint64(s[7]) | uint64(s[6])<<8 | uint64(s[5])<<16 | uint64(s[4])<<24 |
		uint64(s[3])<<32 | uint64(s[2])<<40 | uint64(s[1])<<48 | uint64(s[0])<<56
}

var errBadRecord = fmt.Errorf("%w: stored session value has an unknown format", authbench.ErrUnauthenticated)
