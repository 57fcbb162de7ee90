package sessionauth

import (
	"strings"
	"testing"
	"time"
)

func TestValidID(t *testing.T) {
	id := newID("")
	tests := []struct {
		name string
		id   string
		want bool
	}{
		{"minted", id, true},
		{"all A", strings.Repeat("A", 47), true},
		{"last char with spare bits zero", strings.Repeat("_", 46) + "w", true},
		{"last char with spare bits set", strings.Repeat("A", 46) + "B", false},
		{"empty", "", false},
		{"46 chars", id[:46], false},
		{"48 chars", id + "A", false},
		{"plus", "+" + id[1:], false},
		{"slash", "/" + id[1:], false},
		{"padding", id[:46] + "=", false},
		{"space", " " + id[1:], false},
		{"high byte", "\xff" + id[1:], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := validID(tt.id); got != tt.want {
				t.Errorf("validID(%q) = %v, want %v", tt.id, got, tt.want)
			}
			if got := validID([]byte(tt.id)); got != tt.want {
				t.Errorf("validID([]byte(%q)) = %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

func TestCodecRoundTrip(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			cfg, err := Config{Client: unusedClient(t), Unsigned: v.unsigned}.withDefaults()
			if err != nil {
				t.Fatal(err)
			}
			c := newIDCodec(cfg)
			id := newID("")
			value, err := c.encode(Cookie, id)
			if err != nil {
				t.Fatal(err)
			}
			if v.unsigned && value != id {
				t.Errorf("unsigned cookie = %q, want the raw ID", value)
			}
			if !v.unsigned && (len(value) > maxSignedCookieLen || strings.Contains(value, id)) {
				t.Errorf("signed cookie %q: %d bytes, want at most %d and the ID not in clear base64", value, len(value), maxSignedCookieLen)
			}
			got, err := c.decode(Cookie, value)
			if err != nil || got != id {
				t.Errorf("decode(encode(%s)) = %q, %v", id, got, err)
			}
		})
	}
}

// FuzzDecodeCookie checks that no cookie value makes the decoders panic
// and that whatever they accept is a well-formed ID: only those reach
// Redis. It needs no Redis.
func FuzzDecodeCookie(f *testing.F) {
	cfg, _ := Config{Client: unusedClient(f), HashKey: []byte(strings.Repeat("k", 32)), AbsoluteTimeout: 24 * time.Hour}.withDefaults()
	signed := newIDCodec(cfg)
	unsigned := newIDCodec(Config{Unsigned: true})
	genuine, _ := signed.encode(Cookie, newID(""))
	for _, s := range []string{"", newID(""), genuine, genuine[:len(genuine)-1], "MTIzfDQ1Nnw3ODk=", strings.Repeat("A", 4097)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		for _, c := range []idCodec{signed, unsigned} {
			if id, err := c.decode(Cookie, value); err == nil && !validID(id) {
				t.Fatalf("decode(%q) accepted %q", value, id)
			}
		}
		_, _ = decodeRecord(value)
	})
}
