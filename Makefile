# The two commands a new user runs on a fresh Debian machine (README.md):
#   make demo   install what is missing, build, run the whole system on one machine
#   make test   install what is missing, build, run every test
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)
SWIFT ?= swift

# C libraries the project is built on, and the tools the tests drive (git servers, TLS, sshd).
SYSTEM_PACKAGES := pkg-config libgit2-dev libcurl4-openssl-dev libssl-dev libsqlite3-dev libyaml-dev ca-certificates git
TEST_PACKAGES := openssl openssh-server openssh-client

.PHONY: all deps test-deps check-swift build build-tests test check-spoke-deps demo bench clean

all: build

check-swift:
	@command -v $(SWIFT) >/dev/null || { echo "Swift 6.1 or newer is needed: install it from swift.org (expected at /opt/swift or on PATH)" >&2; exit 1; }

deps: check-swift
	@scripts/install-deps.sh $(SYSTEM_PACKAGES)

test-deps: deps
	@scripts/install-deps.sh $(TEST_PACKAGES)

build: deps
	$(SWIFT) build

build-tests: test-deps
	$(SWIFT) build --build-tests

# Every test; `swift test` exits non-zero if any XCTest or Swift Testing test fails.
test: build-tests
	$(SWIFT) test
	$(SWIFT) build --product spoke
	scripts/check-spoke-deps.sh .build/debug/spoke

check-spoke-deps:
	$(SWIFT) build --product spoke
	scripts/check-spoke-deps.sh .build/debug/spoke

# A hub and three spokes on 127.0.0.1, narrated (fleet demo --help); Ctrl-C stops them.
demo: build
	@$$($(SWIFT) build --show-bin-path)/fleet demo --repo fleet

# Speed and memory figures, printed as Markdown for docs/benchmarks.md. Release binaries
# with the Swift runtime linked statically (as shipped), in their own build directory.
RELEASE := $(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-release
bench: deps
	$(RELEASE) --product fleet
	$(RELEASE) --product fleet-bench
	$(RELEASE) --product hub
	$(RELEASE) --product spoke
	@echo "# Benchmarks run $$(date -u +%Y-%m-%dT%H:%MZ) on $$(nproc) cores, $$(uname -m), $$(awk '/MemTotal/ {printf "%.0f GiB", $$2/1048576}' /proc/meminfo), kubectl $$(kubectl version --client 2>/dev/null | head -1 | cut -d' ' -f3)"
	.build-release/release/fleet-bench render --fleet .build-release/release/fleet --root .
	.build-release/release/fleet-bench plan --apps 50 --clusters 1000
	.build-release/release/fleet-bench hub-load --hub .build-release/release/hub --spokes 1000 --seconds 120
	.build-release/release/fleet-bench spoke --spoke .build-release/release/spoke --resources 500 --seconds 60

clean:
	rm -rf .build .build-release .build-static
