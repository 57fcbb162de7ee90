# authbench — see README.md. Every target installs what it needs through the
# Go toolchain; nothing is fetched by hand.

GO        ?= go
BIN       := bin/authbench
PKGS      := ./...
# Benchmarks: make bench COUNT=10 BENCH=Authenticate
COUNT     ?= 6
BENCH     ?= .
# Load tests: make loadtest SCENARIO=scenarios/full.yaml
SCENARIO  ?= scenarios/quick.yaml

.PHONY: all build test test-short bench loadtest loadtest-smoke serve fmt lint vet tidy clean

all: build test

build:
	$(GO) build -o $(BIN) ./cmd/authbench

# The whole suite with the race detector, against a real redis-server the
# tests start on a free port (never 127.0.0.1:6379), including a smoke load
# test through real processes; then every benchmark once, untimed, so none
# can rot.
test: vet
	$(GO) test -race -count=1 $(PKGS)
	$(MAKE) --no-print-directory bench-smoke

vet:
	$(GO) vet $(PKGS)

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

# A few seconds per variant: checks the whole load-test path works.
loadtest-smoke: build
	$(BIN) loadtest --scenario scenarios/smoke.yaml

serve: build
	$(BIN) serve --backend session --bcrypt-cost 4

# Each fuzz target for FUZZTIME (go test -fuzz takes one target per
# package run). New failing inputs land in the package's testdata/fuzz.
FUZZTIME  ?= 10s
FUZZ_TARGETS := ./jwtauth:FuzzParse ./jwtauth:FuzzAccessToken ./jwtauth:FuzzRefreshRotation \
                ./sessionauth:FuzzDecodeCookie ./sessionauth:FuzzLookup
fuzz-smoke:
	@set -e; for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; name=$${t#*:}; \
	  echo "fuzz $$pkg $$name ($(FUZZTIME))"; \
	  $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

clean:
	rm -rf bin
