# compare-lib.sh: what scripts/wrk-compare.sh and scripts/vegeta-compare.sh
# share, sourced by both (not run): a redis-server on a free port, one
# "authbench serve" pinned to the last CPU, and its users' cookies. The
# caller sets BIN and USERS, creates $tmp and traps compare_cleanup.

# free_port prints a free TCP port on 127.0.0.1.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_redis starts a redis-server for the stateful variants; sets rport.
start_redis() {
  rport=$(free_port)
  redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --logfile "$tmp/redis.log" --pidfile "$tmp/redis.pid"
}

# start_serve VARIANT starts "authbench serve" pinned to the last CPU and
# waits for it; sets spid, port and base.
start_serve() {
  port=$(free_port)
  base="http://127.0.0.1:$port"
  taskset -c "$(($(nproc) - 1))" "$BIN" serve --backend "$1" --addr "127.0.0.1:$port" --bcrypt-cost 4 --users "$USERS" \
    --redis-addr "127.0.0.1:$rport" >"$tmp/serve-$1.log" 2>&1 &
  spid=$!
  for _ in $(seq 50); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
}

# stop_serve stops the server start_serve started.
stop_serve() {
  if [ -n "${spid:-}" ]; then kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true; fi
  spid=
}

# write_cookies VARIANT logs users user-0 … user-(USERS-1) in and writes
# one Cookie header value per user to $tmp/cookies (empty lines for none).
write_cookies() {
  : >"$tmp/cookies"
  for i in $(seq 0 $((USERS - 1))); do
    if [ "$1" = none ]; then echo >>"$tmp/cookies"; continue; fi
    rm -f "$tmp/jar"
    curl -s -c "$tmp/jar" -H 'Content-Type: application/json' -d "{\"username\":\"user-$i\",\"password\":\"password\"}" "$base/auth/login" >/dev/null
    awk '$6=="accessToken"||$6=="session"{printf "%s%s=%s", sep, $6, $7; sep="; "} END {print ""}' "$tmp/jar" >>"$tmp/cookies"
  done
}

# compare_cleanup stops the server and Redis and removes $tmp.
compare_cleanup() {
  stop_serve
  [ -f "$tmp/redis.pid" ] && kill "$(cat "$tmp/redis.pid")" 2>/dev/null || true
  sleep 0.3 # redis-server writes its log as it exits
  rm -rf "$tmp" || true
}
