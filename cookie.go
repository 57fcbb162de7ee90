package authbench

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// MaxCookieBytes caps the length of any credential cookie value. It is
// checked before any decoding, so an oversized cookie costs a length
// comparison and nothing else (browsers cap a cookie at 4096 bytes too).
const MaxCookieBytes = 4096

// NewCookie returns a credential cookie with the attributes the article
// prescribes: HttpOnly (script cannot read it: XSS), Secure (never sent
// over plain HTTP: interception) and SameSite=Strict (never sent on
// cross-site requests: CSRF). A maxAge of zero or less deletes the cookie.
func NewCookie(name, value, path string, maxAge time.Duration) *http.Cookie {
	c := &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     path,
		HttpOnly: true,
		Secure:   true,
		SameSite: http.SameSiteStrictMode,
	}
	if maxAge <= 0 {
		c.MaxAge = -1 // Max-Age=0 on the wire: delete now.
		c.Value = ""
	} else {
		c.MaxAge = int(maxAge / time.Second)
	}
	return c
}

// ClearCookie tells the client to drop the cookie name set for path.
func ClearCookie(w http.ResponseWriter, name, path string) {
	http.SetCookie(w, NewCookie(name, "", path, 0))
}

// ReadCookie returns the value of the single cookie called name. It fails
// with ErrUnauthenticated when the cookie is missing, empty, longer than
// MaxCookieBytes, or present more than once: two cookies of the same name
// are what cookie tossing from a sibling domain looks like, and picking
// either would let an attacker choose.
//
// It scans the Cookie headers itself instead of calling r.CookiesNamed,
// which builds an *http.Cookie for every cookie on every request: this runs
// on each authenticated request and returns a substring of the header, so
// it allocates nothing on success. The value is not otherwise validated
// here; each backend's decoder is strict about what it accepts.
func ReadCookie(r *http.Request, name string) (string, error) {
	var value string
	found := 0
	for _, line := range r.Header["Cookie"] {
		for len(line) > 0 {
			var part string
			if i := strings.IndexByte(line, ';'); i >= 0 {
				part, line = line[:i], line[i+1:]
			} else {
				part, line = line, ""
			}
			part = strings.TrimSpace(part)
			if len(part) <= len(name) || part[len(name)] != '=' || part[:len(name)] != name {
				continue
			}
			found++
			value = part[len(name)+1:]
		}
	}
	if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
		value = value[1 : len(value)-1]
	}
	switch {
	case found == 0:
		return "", fmt.Errorf("%w: no %s cookie", ErrUnauthenticated, name)
	case found > 1:
		return "", fmt.Errorf("%w: %d %s cookies", ErrUnauthenticated, found, name)
	case value == "":
		return "", fmt.Errorf("%w: empty %s cookie", ErrUnauthenticated, name)
	case len(value) > MaxCookieBytes:
		return "", fmt.Errorf("%w: %s cookie of %d bytes exceeds %d", ErrUnauthenticated, name, len(value), MaxCookieBytes)
	}
	return value, nil
}
