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

.PHONY: all build test test-short bench loadtest serve fmt lint vet tidy clean

all: build test

build:
	$(GO) build -o $(BIN) ./cmd/authbench

# The whole suite with the race detector, against a real redis-server the
# tests start on a free port (never 127.0.0.1:6379).
test: vet
	$(GO) test -race -count=1 $(PKGS)

vet:
	$(GO) vet $(PKGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

lint: vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) mod tidy -diff

serve: build
	$(BIN) serve --backend session --bcrypt-cost 4

clean:
	rm -rf bin
