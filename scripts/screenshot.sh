#!/bin/sh
# screenshot.sh REPORT.html OUT.png: renders a report in headless Chromium,
# networking off (the page must need nothing but itself), 1280 px wide and
# tall enough for the verdict, the headline and the charts ($HEIGHT px,
# default 4000). Flags as in
# /work/shared/notes/browser-testing.md: no sandbox (root), a fresh
# profile, no background traffic.
set -eu
html=${1:?usage: screenshot.sh REPORT.html OUT.png}
out=${2:?usage: screenshot.sh REPORT.html OUT.png}
chrome=${AUTHBENCH_CHROMIUM:-}
if [ -z "$chrome" ]; then
	for c in chromium chromium-browser /usr/lib/chromium/chromium; do
		if command -v "$c" >/dev/null 2>&1; then chrome=$(command -v "$c"); break; fi
	done
fi
if [ -z "$chrome" ]; then
	echo "screenshot.sh: no Chromium found (install Debian's chromium or set AUTHBENCH_CHROMIUM)" >&2
	exit 2
fi
[ -r "$html" ] || { echo "screenshot.sh: $html: not readable" >&2; exit 2; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
abs=$(cd "$(dirname "$html")" && pwd)/$(basename "$html")
outabs=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
"$chrome" --headless --no-sandbox --user-data-dir="$profile" \
	--disable-background-networking --disable-component-update --disable-sync --disable-quic --no-first-run \
	--host-resolver-rules='MAP * ~NOTFOUND' --proxy-server=127.0.0.1:9 \
	--hide-scrollbars --window-size=1280,${HEIGHT:-4000} --screenshot="$outabs" "file://$abs" 2>/dev/null
[ -s "$outabs" ] || { echo "screenshot.sh: Chromium wrote no $out" >&2; exit 1; }
echo "wrote $out"
