# upgrade-lint — see README.md. Targets owned by topic are marked; keep them small.
GO      ?= go
BIN     ?= bin/upgrade-lint
CACHE   ?= $(HOME)/.cache/upgrade-lint
# Real components for the integration tests (built or installed by `make test-setup`).
export UPGRADE_LINT_ENVTEST ?= $(CACHE)/envtest

.PHONY: all build demo test test-setup vet lint bench knowledge knowledge-check report-screenshot clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/upgrade-lint

## demo: the tool's main job on the embedded demo cluster snapshot (a 1.14 kubeadm cluster).
demo: build
	./$(BIN) --from 1.14 --to 1.21 --snapshot testdata/demo --fail-on never
	./$(BIN) --from 1.14 --to 1.21 --snapshot testdata/demo --fail-on never -o html --output-file report.html
	@echo "wrote report.html"

## test: vet, then every test with the race detector, real components included.
test: vet test-setup
	$(GO) test -race -count=1 ./...

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }

## test-setup: build/cache the real kube-apiserver + etcd the live tests run against.
test-setup:
	bash hack/test-setup.sh

lint: vet
	$(GO) run honnef.co/go/tools/cmd/staticcheck@latest ./...

## bench: scanning and linting benchmarks (see README for how to compare with peers).
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## knowledge: regenerate knowledge/data from upstream sources (a fresh module cache downloads ~8.5 GB; ~30 s warm).
knowledge:
	$(GO) run ./knowledge/gen

## knowledge-check: regenerate and fail when the committed data differs.
knowledge-check: knowledge
	git diff --exit-code knowledge/data

## report-screenshot: docs/report.png from the demo's report.html (runs make demo first when it is missing).
report-screenshot:
	@test -f report.html || $(MAKE) demo
	bash hack/report-screenshot.sh

clean:
	rm -rf bin report.html
