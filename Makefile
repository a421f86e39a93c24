# Targets CI reuses (.ci/run calls `make test`). Keep them runnable on a fresh
# Debian machine with Go: tools come through the Go module proxy.

GO ?= go
STATICCHECK_VERSION ?= v0.8.2
STATICCHECK = $(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

.PHONY: run test vet lint unit fuzz bench build

## run: start the platform on the embedded default (SQLite, demo data)
run:
	$(GO) run ./cmd/lantian serve

build:
	$(GO) build -o bin/lantian ./cmd/lantian

## test: everything CI checks — formatting, vet, staticcheck, race-enabled tests
test: vet lint unit

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

lint:
	$(STATICCHECK) ./...

unit:
	$(GO) test -race -count=1 -timeout 40m ./...

## fuzz: run every fuzz target for a bounded time (FUZZTIME, default 20s each)
FUZZTIME ?= 20s
fuzz:
	FUZZTIME=$(FUZZTIME) ./.ci/fuzz.sh

## bench: the benchmark scripts under bench/ (see bench/README.md)
bench:
	./bench/run.sh
