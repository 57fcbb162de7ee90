package sessionauth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"

	"github.com/authbench/authbench"
	"github.com/authbench/authbench/redisprov"
	"github.com/authbench/authbench/redisprov/redistest"
	"github.com/authbench/authbench/sessionauth"
)

// startRedis provides a Redis for the examples the way the tests do: the
// address in AUTHBENCH_TEST_REDIS_ADDR, else a redis-server of its own on
// a free loopback port (never 127.0.0.1:6379 by accident).
func startRedis() (*redisprov.Redis, error) {
	return redisprov.Start(context.Background(), redisprov.Options{
		Addr:         os.Getenv(redistest.EnvAddr),
		NoContainers: true,
		Prefix:       redisprov.NewPrefix(redistest.PrefixBase),
	})
}

func Example() {
	rp, err := startRedis()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rp.Close()
	client := rp.Client()
	defer client.Close()

	b, err := sessionauth.New(sessionauth.Config{Client: client, Prefix: rp.Prefix})
	if err != nil {
		fmt.Println(err)
		return
	}

	// Login stores the session in Redis and sets a cookie holding only
	// its (signed) ID.
	w := httptest.NewRecorder()
	id, err := b.Login(w, httptest.NewRequest("POST", "https://example.test/auth/login", nil), "alice")
	if err != nil {
		fmt.Println(err)
		return
	}
	cookie := w.Result().Cookies()[0]
	fmt.Println("logged in:", id.User)
	fmt.Printf("cookie %q: HttpOnly %v, Secure %v, Max-Age %d\n", cookie.Name, cookie.HttpOnly, cookie.Secure, cookie.MaxAge)

	// Every later request carries the cookie; one GET finds the session.
	r := httptest.NewRequest("GET", "https://example.test/me", nil)
	r.AddCookie(cookie)
	id, err = b.Authenticate(r)
	fmt.Println("authenticated:", id.User, err)

	// Logout deletes the session: a copy of the cookie is refused at once.
	err = b.Logout(httptest.NewRecorder(), r)
	fmt.Println("logout:", err)
	_, err = b.Authenticate(r)
	fmt.Println("copied cookie after logout refused:", errors.Is(err, authbench.ErrUnauthenticated))

	// Output:
	// logged in: alice
	// cookie "session": HttpOnly true, Secure true, Max-Age 604800
	// authenticated: alice <nil>
	// logout: <nil>
	// copied cookie after logout refused: true
}

// The store can be used through the gorilla/sessions API directly.
func ExampleStore() {
	rp, err := startRedis()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rp.Close()
	client := rp.Client()
	defer client.Close()

	store, err := sessionauth.NewStore(sessionauth.Config{Client: client, Prefix: rp.Prefix, Unsigned: true})
	if err != nil {
		fmt.Println(err)
		return
	}

	// A request without a cookie gets a fresh session; saving it stores
	// it and sets the cookie.
	r := httptest.NewRequest("POST", "https://example.test/auth/login", nil)
	sess, err := store.Get(r, sessionauth.Cookie)
	fmt.Println("new:", sess.IsNew, err)
	sess.Values[sessionauth.ValueUser] = "bob"
	w := httptest.NewRecorder()
	if err := sess.Save(r, w); err != nil {
		fmt.Println(err)
		return
	}

	// The next request loads it from the cookie.
	r = httptest.NewRequest("GET", "https://example.test/me", nil)
	r.AddCookie(w.Result().Cookies()[0])
	sess, err = store.Get(r, sessionauth.Cookie)
	fmt.Println("loaded:", !sess.IsNew, sess.Values[sessionauth.ValueUser], err)

	// Output:
	// new: true <nil>
	// loaded: true bob <nil>
}
