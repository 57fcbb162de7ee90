# authbench — see README.md. Every target installs what it needs through the
# Go toolchain; nothing is fetched by hand.

GO        ?= go
# The Go toolchain is pinned in one place, go.mod's toolchain line
# (go1.26.10, which fixes standard-library vulnerabilities govulncheck
# reports in the machine's 1.26.8), so that plain go run, go test and
# .ci/run use it too. GOTOOLCHAIN=auto makes the go command honour that
# line even where "go env GOTOOLCHAIN" says local (as on the reference VM,
# where it would otherwise build with 1.26.8); it fetches the toolchain
# from the Go module proxy on first use (about 75 MB, once per machine).
# Override with GOTOOLCHAIN=local.
export GOTOOLCHAIN ?= auto
BIN       := bin/authbench
PKGS      := ./...
# Benchmarks: make bench COUNT=10 BENCH=Authenticate
COUNT     ?= 6
BENCH     ?= .
# Load tests: make loadtest SCENARIO=scenarios/full.yaml
SCENARIO  ?= scenarios/quick.yaml

.PHONY: all build test bench loadtest loadtest-all loadtest-smoke serve fmt lint vet vulncheck fuzz-smoke clean readme-figures screenshot

all: build test

# go build -n lists the commands a build would run without running them
# (about a second): when that includes compiling anything, say so first,
# since a first build compiles every dependency and is silent for minutes.
build:
	@if $(GO) build -n -o $(BIN) ./cmd/authbench 2>&1 | grep -q '/pkg/tool/.*/compile '; then \
		echo 'building authbench (first run compiles dependencies, 2–5 min)…'; \
	fi
	$(GO) build -o $(BIN) ./cmd/authbench

# Everything CI checks, in one command: go vet; govulncheck (offline);
# every benchmark once, untimed, so none can rot; each fuzz target for
# its execution budget (fuzz-smoke); then the whole suite with the race detector, against a real
# redis-server the tests start on a free port (never 127.0.0.1:6379),
# including a smoke load test through real processes and the real-browser
# tests (skipped, saying why, where no Chromium is installed).
test: vet
	$(MAKE) --no-print-directory vulncheck
	$(MAKE) --no-print-directory bench-smoke
	$(MAKE) --no-print-directory fuzz-smoke
	$(GO) test -race -count=1 $(PKGS)

# Known vulnerabilities in the code paths the module reaches, checked
# offline against a database built from the golang.org/x/vulndb module.
vulncheck:
	./scripts/govulncheck.sh ./...

# Vetted for macOS too: serve and report must work there, and loadtest
# must build and say what it cannot measure (loadtest/sys_other.go).
vet:
	$(GO) vet $(PKGS)
	GOOS=darwin $(GO) vet $(PKGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

lint: vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) mod tidy -diff

# Per-request costs (package ./bench): COUNT runs of the benchmarks
# matching BENCH, kept under results/bench/, compared with the previous
# run (benchstat) and checked against the targets (bench/cmd/benchratio).
bench:
	COUNT='$(COUNT)' BENCH='$(BENCH)' GO='$(GO)' ./scripts/bench.sh

# Every benchmark once, untimed, so they compile and run in CI; never
# read its figures.
.PHONY: bench-smoke
bench-smoke:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./bench/...

# The main job: every variant of $(SCENARIO) under load, results in
# results/<run-id>/ (results/latest points at the newest).
loadtest: build
	$(BIN) loadtest --scenario $(SCENARIO)

# The article's trade-offs, one scenario each (see scenarios/*.yaml), and
# loadtest-all: the quick run and every trade-off, one results folder
# each. A failing scenario does not stop the others; the target fails at
# the end, naming it.
TRADEOFFS := scenarios/store-latency.yaml scenarios/store-outage.yaml scenarios/revocation.yaml \
             scenarios/scale-out.yaml scenarios/refresh-storm.yaml scenarios/frontier.yaml scenarios/cluster.yaml
loadtest-all: build
	@failed=""; for s in scenarios/quick.yaml $(TRADEOFFS); do \
		echo "== make loadtest SCENARIO=$$s"; \
		$(BIN) loadtest --scenario $$s || failed="$$failed $$s"; \
	done; \
	if [ -n "$$failed" ]; then echo "loadtest-all: failed:$$failed" >&2; exit 1; fi

# README's figures block, regenerated from the reference run in
# results/example/ (the test without -readme fails when they disagree).
readme-figures:
	$(GO) test -count=1 -run '^TestREADMEFigures$$' ./report -args -readme

# results/example/report.png: the reference report as headless Chromium
# draws it (scripts/screenshot.sh; README links it).
screenshot:
	./scripts/screenshot.sh results/example/report.html results/example/report.png

# A few seconds per variant: checks the whole load-test path works.
loadtest-smoke: build
	$(BIN) loadtest --scenario scenarios/smoke.yaml

serve: build
	$(BIN) serve --backend session --bcrypt-cost 4

# Each fuzz target for a count of executions sized to about 10 s on a
# 2-core VM (FUZZTIME=30s or FUZZTIME=100000x overrides it for all).
# Counts, not durations: with a duration, Go 1.26's fuzz coordinator can
# report its own end-of-fuzztime deadline as "context deadline exceeded"
# and fail a target that found nothing (golang/go#75804, fixed in Go
# 1.27); a count has no deadline to race. New failing inputs land in the
# package's testdata/fuzz.
FUZZTIME ?=
FUZZ_TARGETS := ./jwtauth:FuzzParse:60000x ./jwtauth:FuzzAccessToken:60000x ./jwtauth:FuzzRefreshRotation:2500x \
                ./sessionauth:FuzzDecodeCookie:50000x ./sessionauth:FuzzLookup:40000x
fuzz-smoke:
	@set -e; for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; rest=$${t#*:}; name=$${rest%%:*}; budget=$${rest#*:}; \
	  [ -z "$(FUZZTIME)" ] || budget=$(FUZZTIME); \
	  echo "fuzz $$pkg $$name ($$budget)"; \
	  $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $$budget $$pkg; \
	done

clean:
	rm -rf bin
