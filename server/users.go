package server

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// Users is the demo user directory: user-0 … user-{N-1}, all sharing one
// password. The password is hashed once at start, so start-up costs one
// bcrypt hash whatever N is, while every login still pays a full bcrypt
// comparison at the configured cost, as a real login would.
type Users struct {
	n    int
	hash []byte
}

// NewUsers hashes password once at bcrypt cost and serves n users.
func NewUsers(n int, password string, cost int) (*Users, error) {
	if n < 1 {
		return nil, fmt.Errorf("users: need at least 1 user, got %d", n)
	}
	if password == "" {
		return nil, errors.New("users: empty password")
	}
	if len(password) > 72 {
		return nil, fmt.Errorf("users: password of %d bytes exceeds bcrypt's 72-byte limit", len(password))
	}
	if cost < bcrypt.MinCost || cost > bcrypt.MaxCost {
		return nil, fmt.Errorf("users: bcrypt cost %d outside %d..%d", cost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	return &Users{n: n, hash: hash}, nil
}

// Len is the number of users.
func (u *Users) Len() int { return u.n }

// Name returns the name of user i.
func Name(i int) string { return "user-" + strconv.Itoa(i) }

// Check reports whether name and password identify a user. An unknown name
// still pays a bcrypt comparison, so response time does not reveal which
// names exist.
func (u *Users) Check(name, password string) bool {
	known := u.exists(name)
	err := bcrypt.CompareHashAndPassword(u.hash, []byte(password))
	return known && err == nil
}

func (u *Users) exists(name string) bool {
	digits, ok := strings.CutPrefix(name, "user-")
	if !ok || digits == "" || len(digits) > 9 || (digits[0] == '0' && len(digits) > 1) {
		return false
	}
	i := 0
	for _, c := range []byte(digits) {
		if c < '0' || c > '9' {
			return false
		}
		i = i*10 + int(c-'0')
	}
	return i < u.n
}
