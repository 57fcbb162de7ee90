package jwtauth_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/authbench/authbench"
	"github.com/authbench/authbench/jwtauth"
)

// Example walks the stateless variant through the article's story: log
// in, use the access token, let it expire, refresh, and log out only to
// find the old token still works.
func Example() {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	keys, err := jwtauth.GenerateKeys(jwtauth.AlgEdDSA)
	if err != nil {
		panic(err)
	}
	b, err := jwtauth.New(jwtauth.Config{Keys: keys, Now: func() time.Time { return now }})
	if err != nil {
		panic(err)
	}

	rec := httptest.NewRecorder()
	id, _ := b.Login(rec, httptest.NewRequest(http.MethodPost, "/auth/login", nil), "user-42")
	fmt.Println("login:", id.User, "until", id.Expires.Format(time.TimeOnly))
	req := httptest.NewRequest(http.MethodGet, "/me", nil)
	for _, c := range rec.Result().Cookies() {
		fmt.Printf("  %s Path=%s Max-Age=%d HttpOnly=%t Secure=%t SameSite=Strict=%t\n",
			c.Name, c.Path, c.MaxAge, c.HttpOnly, c.Secure, c.SameSite == http.SameSiteStrictMode)
		req.AddCookie(c)
	}

	id, err = b.Authenticate(req)
	fmt.Println("authenticate:", id.User, err)

	now = now.Add(16 * time.Minute)
	_, err = b.Authenticate(req)
	fmt.Println("16 min later, expired:", errors.Is(err, authbench.ErrExpired))

	rec = httptest.NewRecorder()
	id, err = b.Refresh(rec, req)
	fmt.Println("refresh:", id.User, "until", id.Expires.Format(time.TimeOnly), err)
	fresh := httptest.NewRequest(http.MethodGet, "/me", nil)
	for _, c := range rec.Result().Cookies() {
		fresh.AddCookie(c)
	}

	err = b.Logout(httptest.NewRecorder(), fresh)
	fmt.Println("logout unsupported:", errors.Is(err, authbench.ErrUnsupported))
	id, err = b.Authenticate(fresh)
	fmt.Println("copied token after logout:", id.User, err)
	info := b.Info()
	fmt.Printf("%s: stateful %v, logout %s, revoke-user %s\n", info.Name, info.Stateful, info.Logout, info.RevokeUser)
	// Output:
	// login: user-42 until 03:19:05
	//   accessToken Path=/ Max-Age=900 HttpOnly=true Secure=true SameSite=Strict=true
	//   refreshToken Path=/auth Max-Age=604800 HttpOnly=true Secure=true SameSite=Strict=true
	// authenticate: user-42 <nil>
	// 16 min later, expired: true
	// refresh: user-42 until 03:35:05 <nil>
	// logout unsupported: true
	// copied token after logout: user-42 <nil>
	// jwt: stateful false, logout only at expiry, revoke-user unsupported
}
