#!/usr/bin/env bash
# wrk-compare.sh: the independent check of the suite's capacity and
# marginal CPU. For each variant it starts "authbench serve" pinned to the
# last CPU, logs one user in, and drives GET /api/me with wrk (closed
# loop, 1 thread, 32 connections) pinned to CPU 0: once on the whole core
# and once with the server held to QUOTA of a core by a cgroup v1 CPU
# quota (as the suite's capacity search is). USERS users are logged in
# and a Lua request hook rotates their cookies per request, as the
# suite's 1000 virtual users do (USERS=1: one cookie, the cheapest case:
# every request carries the same bytes). Server CPU per request comes
# from /proc/<pid>/task/*/schedstat, its sleeps per request (voluntary
# context switches: how often it ran out of work) from the tasks' status,
# as the suite's saturation details give them. KEEP_AWAKE=1 keeps the
# server's CPU from halting under the quota with an idle-priority busy
# loop, as curve.capacity.keep_awake does (loadtest/awake.go); by default
# it halts, as the suite's does. Loopback only. Needs root (taskset,
# chrt, cgroup), wrk (apt-get install wrk) and redis-server.
#
#   scripts/wrk-compare.sh [variants...]     default: none jwt jwt-blacklist session
#   QUOTA=0.25 DURATION=5s USERS=1000 KEEP_AWAKE=0 scripts/wrk-compare.sh jwt
set -euo pipefail
cd "$(dirname "$0")/.."
QUOTA=${QUOTA:-0.25}
DURATION=${DURATION:-5s}
BIN=${BIN:-bin/authbench}
USERS=${USERS:-1000}
KEEP_AWAKE=${KEEP_AWAKE:-0}
variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(none jwt jwt-blacklist session)
command -v wrk >/dev/null || { echo "wrk-compare: wrk not installed (apt-get install wrk)" >&2; exit 2; }
[ -x "$BIN" ] || { echo "wrk-compare: $BIN missing (make build)" >&2; exit 2; }
tmp=$(mktemp -d)
. scripts/compare-lib.sh
start_redis
cg=/sys/fs/cgroup/cpu/authbench-wrk-$$
spinner=
# awake_start and awake_stop run and stop the busy loop at idle priority
# (SCHED_IDLE) on the server's CPU.
awake_start() { taskset -c "$(($(nproc) - 1))" chrt -i 0 sh -c 'while :; do :; done' & spinner=$!; }
awake_stop() { if [ -n "$spinner" ]; then kill "$spinner" 2>/dev/null || true; wait "$spinner" 2>/dev/null || true; fi; spinner=; }
cleanup() {
  awake_stop
  stop_serve
  rmdir "$cg" 2>/dev/null || true
  compare_cleanup
}
trap cleanup EXIT
cpu_ns() { awk '{s+=$1} END {print s}' /proc/"$1"/task/*/schedstat; }
sleeps() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '$1=="voluntary_ctxt_switches:" {s+=$2} END {print s}'; }
echo "# under the quota, the server's CPU kept from halting by an idle-priority busy loop (KEEP_AWAKE=1): $( [ "$KEEP_AWAKE" = 1 ] && echo yes || echo no)"
printf '%-14s %-6s %12s %14s %12s\n' variant quota "req/s" "server µs/req" "sleeps/req"
for v in "${variants[@]}"; do
  start_serve "$v"
  # One Cookie header line per user; the Lua hook sends them in turn.
  write_cookies "$v"
  # The requests are formatted once, in init, so the hook only hands out
  # a ready string: formatting per request makes wrk, not the server,
  # the bottleneck.
  cat >"$tmp/rotate.lua" <<LUA
local reqs, i = {}, 0
function init(args)
  for line in io.lines("$tmp/cookies") do
    if #line > 0 then reqs[#reqs + 1] = wrk.format("GET", nil, { ["Cookie"] = line }) end
  end
  if #reqs == 0 then reqs[1] = wrk.format("GET") end
end
function request()
  i = i % #reqs + 1
  return reqs[i]
end
LUA
  mkdir -p "$cg"; echo "$spid" >"$cg/cgroup.procs"
  taskset -c 0 wrk -t1 -c32 -d1s -s "$tmp/rotate.lua" "http://127.0.0.1:$port/api/me" >/dev/null # warm-up
  for q in 1 "$QUOTA"; do
    # The period as the suite's (loadtest/quota.go quotaPeriodFor): the
    # shortest whose quota is the kernel's 1 ms minimum.
    echo -1 >"$cg/cpu.cfs_quota_us"
    if [ "$q" != 1 ]; then
      period=$(python3 -c "import math; print(min(max(math.ceil(1000/$q), 1000), 1000000))")
      echo "$period" >"$cg/cpu.cfs_period_us"
      echo "$(python3 -c "print(round($q*$period))")" >"$cg/cpu.cfs_quota_us"
    fi
    if [ "$q" != 1 ] && [ "$KEEP_AWAKE" = 1 ]; then awake_start; fi
    c0=$(cpu_ns "$spid") s0=$(sleeps "$spid")
    out=$(taskset -c 0 wrk -t1 -c32 -d"$DURATION" -s "$tmp/rotate.lua" "http://127.0.0.1:$port/api/me")
    c1=$(cpu_ns "$spid") s1=$(sleeps "$spid")
    awake_stop
    n=$(echo "$out" | awk '/requests in/ {print $1}')
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
    [ -z "$non2xx" ] || { echo "wrk-compare: $v: $non2xx non-2xx responses" >&2; exit 1; }
    printf '%-14s %-6s %12s %14.1f %12.2f\n' "$v" "$q" "$rps" "$(python3 -c "print(($c1-$c0)/$n/1000)")" "$(python3 -c "print(($s1-$s0)/$n)")"
  done
  echo "$$" >/sys/fs/cgroup/cpu/cgroup.procs 2>/dev/null || true
  stop_serve
  rmdir "$cg" 2>/dev/null || true
done
