#!/usr/bin/env bash
# Runs govulncheck against a vulnerability database built locally from
# the golang.org/x/vulndb module, which the Go module proxy serves: this
# needs no access to vuln.go.dev. The database is built once per vulndb
# version (several minutes the first time) and cached.
#
#   scripts/govulncheck.sh            # scan ./...
#   scripts/govulncheck.sh -show verbose ./cmd/...
set -euo pipefail
cd "$(dirname "$0")/.."

VULN_VERSION="${VULN_VERSION:-v1.9.0}"
VULNDB_VERSION="${VULNDB_VERSION:-v0.0.0-20261105234957-e22db6528018}"
CACHE="${AUTHBENCH_VULNDB_CACHE:-$(go env GOCACHE)/authbench-vulndb}"
DB="$CACHE/$VULNDB_VERSION"

if ! command -v govulncheck >/dev/null 2>&1; then
  go install "golang.org/x/vuln/cmd/govulncheck@$VULN_VERSION"
  PATH="$(go env GOPATH)/bin:$PATH"
fi

if [ ! -f "$DB/index/db.json" ]; then
  echo "govulncheck.sh: building the vulnerability database from golang.org/x/vulndb@$VULNDB_VERSION" >&2
  src="$(cd /tmp && go mod download -json "golang.org/x/vulndb@$VULNDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$src/data/osv" ] || { echo "govulncheck.sh: no data/osv in $src" >&2; exit 1; }
  tmp="$DB.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  # indexdb turns a folder of OSV JSON files into the v1 database layout
  # (index/db.json, index/modules.json, index/vulns.json, ID/*.json) that
  # govulncheck -db file:// reads.
  (cd /tmp && go run "golang.org/x/vulndb/cmd/indexdb@$VULNDB_VERSION" -vulns "$src/data/osv" -out "$tmp")
  rm -rf "$DB"
  mv "$tmp" "$DB"
fi

if [ $# -eq 0 ]; then
  set -- ./...
fi
exec govulncheck -db "file://$DB" "$@"
