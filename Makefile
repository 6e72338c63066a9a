# drover — build, test, golden files and benchmarks.
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)
GO ?= go

.PHONY: build test test-deps vet golden bench bench-fleet compat compat-update
build:
	$(GO) build -o bin/drover ./cmd/drover

test-deps:
	./scripts/test-deps.sh

# The whole test suite: installs and starts what the tests need, then runs every test.
test: test-deps vet
	CI=$${CI:-true} $(GO) test -count=1 -timeout 40m ./...

vet:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) mod tidy -diff || { echo 'go.mod/go.sum are not tidy: run go mod tidy'; exit 1; }

# Regenerate golden files under testdata/ after an intended output change.
golden:
	$(GO) test ./... -update

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# site7 on 50, 200 and 1,000 lab hosts (../shared/bench, needs root): drover against both floor modes,
# side by side in one run: wall time, peak RSS, unreachable hosts, a silent host's timeout.
# BENCH_FLEET_ARGS passes options, e.g. BENCH_FLEET_ARGS='-n "50 200" -r 5'.
bench-fleet:
	./bench/site7.sh $(BENCH_FLEET_ARGS)

# Ansible 2.14's integration targets, run as ansible-test runs them, with ansible-playbook and then
# drover (README.md, "Compatibility"). Flags and target names: make compat COMPAT_ARGS='-j 2 ping'.
compat: build
	$(GO) run ./compat/cmd/compat -drover bin/drover $(COMPAT_ARGS)

# The same, then rewrite compat/passing.txt (a target is added only when ansible-playbook passes it too).
compat-update: build
	$(GO) run ./compat/cmd/compat -drover bin/drover -update $(COMPAT_ARGS)
