#!/usr/bin/env bash
# by-hand.sh: README's "Try it by hand" block, verbatim below the marker
# line, run from the repository root. It builds authbench into a temporary
# folder, serves the session backend (which starts its own redis-server on
# a free port unless REDIS_ADDR names a Redis), waits for /healthz, logs
# in, reads /api/me, logs out, then stops the server with SIGTERM (which
# stops its redis-server too) and removes the folder. PORT picks the HTTP
# port (default 8080).
#
# Like the pasted block, it does not stop at the first failure, so the
# server is stopped whatever the curls got. scripts/byhand_test.go checks
# that README.md holds exactly the lines below the marker, runs this
# script and asserts the answers and that no process or file is left.
cd "$(dirname "$0")/.."
# ---- README.md "Try it by hand", verbatim below ----
dir=$(mktemp -d)                      # the binary and the cookie jar live here, not in the repo
go build -o "$dir/authbench" ./cmd/authbench   # the first build compiles dependencies (2–5 min)
"$dir/authbench" serve --backend session --bcrypt-cost 4 --addr "127.0.0.1:${PORT:-8080}" &
pid=$!                                # the server itself, so that kill reaches it
url="http://localhost:${PORT:-8080}"
for i in $(seq 300); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.1; done   # wait up to 30 s
curl -si -c "$dir/jar" -H 'Content-Type: application/json' \
     -d '{"username":"user-1","password":"password"}' "$url/auth/login"
curl -s -b "$dir/jar" "$url/api/me"           # {"user":"user-1"}
curl -s -b "$dir/jar" -X POST "$url/auth/logout" -o /dev/null -w '%{http_code}\n'   # 204
kill $pid; wait $pid                  # SIGTERM: it shuts down and stops the redis-server it started
rm -rf "$dir"
