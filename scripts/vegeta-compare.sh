#!/usr/bin/env bash
# vegeta-compare.sh: the independent check of the suite's load generator.
# For one variant it starts "authbench serve" pinned to the last CPU and,
# at each of RATES, alternates TRIALS open-loop attacks of the vegeta CLI
# (github.com/tsenart/vegeta, the same library the suite drives) with
# TRIALS steps of "authbench loadtest --target", both pinned to CPU 0 and
# sending the same traffic: GET /api/me, USERS users' cookies in turn.
# vegeta writes its results to a file and is reported afterwards, so no
# second process shares the cores while it attacks. It prints, per rate
# and trial, each tool's achieved rate and GET /api/me p50, p99 and max:
# where the suite loses its tail at a rate the CLI holds, the suite's
# generator, not the server, is the limit. Loopback only. Needs root (taskset), go (to install the vegeta
# CLI once into $GOBIN or a temporary folder) and redis-server.
#
#   scripts/vegeta-compare.sh [variant]        default: jwt
#   RATES="2000 4000 6000 8000" TRIALS=3 DURATION=5s scripts/vegeta-compare.sh session
set -euo pipefail
cd "$(dirname "$0")/.."
variant=${1:-jwt}
RATES=${RATES:-2000 4000 6000 8000}
TRIALS=${TRIALS:-3}
DURATION=${DURATION:-5s}
USERS=${USERS:-1000}
BIN=${BIN:-bin/authbench}
VEGETA_VERSION=$(awk '$1=="github.com/tsenart/vegeta/v12" {print $2}' go.mod)
[ -x "$BIN" ] || { echo "vegeta-compare: $BIN missing (make build)" >&2; exit 2; }
tmp=$(mktemp -d)
. scripts/compare-lib.sh
trap compare_cleanup EXIT
vegeta=$(command -v vegeta || true)
if [ -z "$vegeta" ]; then
  echo "vegeta-compare: installing the vegeta CLI $VEGETA_VERSION into $tmp" >&2
  GOBIN="$tmp" go install "github.com/tsenart/vegeta/v12@$VEGETA_VERSION"
  vegeta="$tmp/vegeta"
fi
start_redis
start_serve "$variant"
write_cookies "$variant"
# vegeta's targets: one GET /api/me per user with that user's cookies;
# the CLI cycles through them in order, as the suite's users take turns.
: >"$tmp/targets"
while IFS= read -r cookie; do
  printf 'GET %s/api/me\n' "$base" >>"$tmp/targets"
  [ -z "$cookie" ] || printf 'Cookie: %s\n' "$cookie" >>"$tmp/targets"
  printf '\n' >>"$tmp/targets"
done <"$tmp/cookies"
scenario() { # scenario RATE: one step of GET /api/me at RATE
  cat <<YAML
name: vegeta-compare
description: one step of GET /api/me at $1 req/s, compared with the vegeta CLI by scripts/vegeta-compare.sh
variants: [$variant]
users: $USERS
mix: {me: 100}
warmup: 1s
duration: $DURATION
rates: [$1]
repetitions: 1
pin: "off"
backend: {alg: HS256, access_ttl: 15m, refresh_ttl: 168h, idle_timeout: 15m, bcrypt_cost: 4}
YAML
}
printf '%-7s %-8s %-6s %10s %10s %10s %12s\n' rate tool trial "achieved/s" "p50 ms" "p99 ms" "max ms"
for rate in $RATES; do
  scenario "$rate" >"$tmp/scenario.yaml"
  for t in $(seq "$TRIALS"); do
    taskset -c 0 "$vegeta" attack -rate "$rate" -duration 1s -targets "$tmp/targets" -keepalive >/dev/null # warm-up
    taskset -c 0 "$vegeta" attack -rate "$rate" -duration "$DURATION" -targets "$tmp/targets" -keepalive -output "$tmp/v.bin"
    "$vegeta" report -type=json "$tmp/v.bin" | python3 -c '
import json,sys
m=json.load(sys.stdin); l=m["latencies"]
print("%-7s %-8s %-6s %10.0f %10.2f %10.2f %12.1f" % (sys.argv[1], "vegeta", sys.argv[2], m["throughput"], l["50th"]/1e6, l["99th"]/1e6, l["max"]/1e6))' "$rate" "$t"
    taskset -c 0 "$BIN" loadtest --target "$base" --variant "$variant" --scenario "$tmp/scenario.yaml" --out "$tmp/runs" >"$tmp/suite.log" 2>&1 ||
      { cat "$tmp/suite.log" >&2; exit 1; }
    python3 -c '
import json,sys
r=json.load(open(sys.argv[3]))
s=[s for s in r["variants"][0]["steps"] if s["kind"]=="rate"][-1]
me=s["routes"].get("me", s["all"]); l=me["latency"]
print("%-7s %-8s %-6s %10.0f %10.2f %10.2f %12.1f" % (sys.argv[1], "suite", sys.argv[2], s["all"]["throughput"], l["p50_ns"]/1e6, l["p99_ns"]/1e6, l["max_ns"]/1e6))' "$rate" "$t" "$tmp/runs/latest/results.json"
  done
done
