#!/usr/bin/env bash
# drift-check.sh: how the machine's speed wanders, the measurement behind
# curve.interleave. It starts "authbench serve" for one variant pinned to
# the last CPU, holds it at one constant open-loop rate with "authbench
# loadtest --target" pinned to CPU 0, and samples the server's CPU (the
# sum of /proc/<pid>/task/*/schedstat, in nanoseconds) every 100 ms. It
# prints, for windows of 0.1 s to 8 s:
#   - the spread of the server's CPU per second between windows (% of
#     the mean) and the Allan deviation (the spread between neighbouring
#     windows). White noise falls as the window grows; a machine whose
#     speed drifts at every time scale (flicker) does not, and longer
#     steps then do not help;
#   - the lock-in check: label the windows A, B, A, B … at the constant
#     rate, and take the mean difference A − B over 8-second stretches.
#     Its spread is the noise an interleaved measurement with that block
#     length would see (the difference of two rates sharing the same
#     stretch of time); with 2-second blocks it is what one step after
#     another sees.
# Loopback only. Needs root (taskset), python3 and redis-server.
#
#   scripts/drift-check.sh [variant] [rate] [seconds]     default: jwt 3000 90
set -euo pipefail
cd "$(dirname "$0")/.."
variant=${1:-jwt}
rate=${2:-3000}
secs=${3:-90}
BIN=${BIN:-bin/authbench}
USERS=${USERS:-1000}
[ -x "$BIN" ] || { echo "drift-check: $BIN missing (make build)" >&2; exit 2; }
[ "$secs" -ge 20 ] || { echo "drift-check: seconds: $secs: want at least 20 (the longest window is 8 s)" >&2; exit 2; }
tmp=$(mktemp -d)
. scripts/compare-lib.sh
trap compare_cleanup EXIT
start_redis
start_serve "$variant"
cat >"$tmp/scenario.yaml" <<YAML
name: drift-check
description: one constant step of GET /api/me at $rate req/s for scripts/drift-check.sh
variants: [$variant]
users: $USERS
mix: {me: 100}
warmup: 2s
duration: ${secs}s
rates: [$rate]
repetitions: 1
pin: "off"
backend: {alg: HS256, access_ttl: 15m, refresh_ttl: 168h, idle_timeout: 15m, bcrypt_cost: 4}
YAML
echo "drift-check: $variant at $rate req/s for $secs s (server on CPU $(($(nproc) - 1)), generator on CPU 0)" >&2
taskset -c 0 "$BIN" loadtest --target "$base" --variant "$variant" --scenario "$tmp/scenario.yaml" --out "$tmp/runs" >"$tmp/suite.log" 2>&1 &
lpid=$!
sleep 5 # logins and the warm-up
python3 - "$spid" "$((secs - 4))" "$variant" "$rate" <<'PY'
import os, statistics as st, sys, time
pid, dur = int(sys.argv[1]), float(sys.argv[2])
def cpu():
    t = 0
    for d in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{d}/schedstat") as f:
                t += int(f.read().split()[0])
        except FileNotFoundError:
            pass  # the thread exited between listing and reading
    return t / 1e9
ts, cs = [], []
t0 = time.monotonic()
while time.monotonic() - t0 < dur:
    now = time.monotonic()
    ts.append(now); cs.append(cpu())
    time.sleep(max(0, 0.1 - (time.monotonic() - now)))
dt = [b - a for a, b in zip(ts, ts[1:])]
dc = [b - a for a, b in zip(cs, cs[1:])]
print(f"{sys.argv[3]} at {sys.argv[4]} req/s: {len(dc)} samples of 100 ms, server at {sum(dc)/sum(dt):.3f} of a core")
print(f"{'window':>7} {'n':>4} {'spread':>7} {'allan':>6}   lock-in: A−B over 8 s, % of level")
for k in (1, 2, 3, 5, 10, 20, 40, 80):
    n = len(dc) // k
    if n < 4:
        break
    u = [sum(dc[i*k:(i+1)*k]) / sum(dt[i*k:(i+1)*k]) for i in range(n)]
    m = st.mean(u)
    allan = (0.5 * st.mean([(b - a) ** 2 for a, b in zip(u, u[1:])])) ** 0.5
    d = [u[2*i] - u[2*i+1] for i in range(n // 2)]
    per = max(1, int(8 / (2 * k * 0.1)))
    w = [st.mean(d[i:i+per]) for i in range(0, len(d) - per + 1, per)]
    lock = f"{100*st.pstdev(w)/m:5.1f} % ({len(w)} stretches)" if len(w) >= 3 else "-"
    print(f"{k/10:6.1f}s {n:4d} {100*st.pstdev(u)/m:6.1f}% {100*allan/m:5.1f}%   {lock}")
PY
wait "$lpid" || { echo "drift-check: the load generator failed:" >&2; cat "$tmp/suite.log" >&2; exit 1; }
