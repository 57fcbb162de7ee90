package redisprov_test

import (
	"context"
	"fmt"
	"os"

	"github.com/authbench/authbench/redisprov"
)

// Start picks a Redis and says which; the result is closed when done. This
// example refuses containers and redis-server so that its output does not
// depend on the machine: real callers leave them on, pass the user's
// address (--redis-addr, or AddrFromEnv) as Addr, and print r.Label().
func ExampleStart() {
	ctx := context.Background()
	r, err := redisprov.Start(ctx, redisprov.Options{
		NoContainers: true,
		NoLocal:      true,
		Prefix:       "example:",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	defer r.Close() // deletes example:* on a given Redis, stops one it started

	c := r.Client()
	defer c.Close()
	if err := c.Set(ctx, r.Prefix+"greeting", "hello", 0).Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fmt.Println(r.Kind, c.Get(ctx, r.Prefix+"greeting").Val())
	// Output: embedded hello
}
