#!/usr/bin/env bash
# bench.sh runs the per-request benchmarks (package ./bench), keeps the
# output under results/bench/ named by UTC date and commit, and prints
#   1. a benchstat comparison with the previous file there, if any;
#   2. ours, raw and peers side by side (benchstat -col /impl);
#   3. the target check (go run ./bench/cmd/benchratio).
# Called by `make bench`; settings come from the environment:
#   COUNT (default 6)  runs of each benchmark, for benchstat's statistics
#   BENCH (default .)  the -bench regexp
#   GO    (default go) the Go command
# benchstat is installed through the Go toolchain at a pinned version into
# bin/tools/ on first use: no manual step.
set -euo pipefail

COUNT=${COUNT:-6}
BENCH=${BENCH:-.}
GO=${GO:-go}
BENCHSTAT_VERSION=v0.0.0-20260908200009-22c9c6c9d4da

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

case $COUNT in
'' | *[!0-9]* | 0) echo "bench.sh: COUNT must be a positive integer, got '$COUNT'" >&2; exit 2 ;;
esac

outdir=results/bench
mkdir -p "$outdir"

# The previous run, chosen before this one is written. Names sort by time.
prev=$(find "$outdir" -maxdepth 1 -name '*.txt' -type f | LC_ALL=C sort | tail -n 1)

commit=$(git rev-parse --short HEAD 2>/dev/null || echo nocommit)
# Dirty: anything changed or untracked outside results/ (earlier runs'
# files there must not mark a clean tree dirty).
if [ -n "$(git status --porcelain -- . ':(exclude)results' 2>/dev/null)" ]; then
	commit="$commit-dirty"
fi
stamp=$(date -u +%Y-%m-%dT%H%MZ)
out="$outdir/$stamp-$commit.txt"
n=2
while [ -e "$out" ]; do
	out="$outdir/$stamp-$commit-$n.txt"
	n=$((n + 1))
done

echo "bench.sh: go test -run '^\$' -bench '$BENCH' -benchmem -count $COUNT ./bench/... > $out"
partial="$out.partial"
trap 'rm -f "$partial"' EXIT
if ! "$GO" test -run '^$' -bench "$BENCH" -benchmem -count "$COUNT" -timeout 0 ./bench/... >"$partial" 2>&1; then
	cat "$partial" >&2
	echo "bench.sh: the benchmarks failed; output above, nothing kept" >&2
	exit 1
fi
mv "$partial" "$out"
grep -E '^(Benchmark|goos|goarch|cpu|pkg)' "$out" || true
echo

benchstat="$root/bin/tools/benchstat@$BENCHSTAT_VERSION/benchstat"
if [ ! -x "$benchstat" ]; then
	echo "bench.sh: installing benchstat $BENCHSTAT_VERSION into ${benchstat%/benchstat}"
	GOBIN="${benchstat%/benchstat}" "$GO" install "golang.org/x/perf/cmd/benchstat@$BENCHSTAT_VERSION"
fi

if [ -n "$prev" ]; then
	echo "== benchstat: $prev (old) vs $out (new)"
	"$benchstat" "$prev" "$out"
else
	echo "== benchstat: no previous run in $outdir to compare with"
fi
echo
echo "== ours, raw library operation and peers side by side (benchstat -col /impl)"
"$benchstat" -filter '.name:/Authenticate/' -col /impl "$out" || true
echo
echo "== targets"
"$GO" run ./bench/cmd/benchratio "$out"
echo
echo "bench.sh: results in $out"
