# The two commands a new user runs on a fresh Debian machine (README.md):
#   make demo   install what is missing, build, run the whole system on one machine
#   make test   install what is missing, build, run every test
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)
SWIFT ?= swift

# C libraries the project is built on, and the tools the tests drive (git servers, TLS, sshd).
SYSTEM_PACKAGES := pkg-config zlib1g-dev libgit2-dev libcurl4-openssl-dev libssl-dev libsqlite3-dev libyaml-dev ca-certificates git
TEST_PACKAGES := openssl openssh-server openssh-client

.PHONY: all deps test-deps check-swift build build-tests test check-sizes check-spoke-deps demo bench fuzz fuzz-build clean image

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

# Every test; `swift test` exits non-zero if any XCTest or Swift Testing test fails. Then a
# short fuzzing run of every target (FUZZ_SECONDS each; `make fuzz` alone for longer runs).
test: build-tests
	scripts/check-sizes.py Sources
	$(SWIFT) test
	$(SWIFT) build --product spoke
	scripts/check-spoke-deps.sh .build/debug/spoke
	$(MAKE) fuzz FUZZ_SECONDS=$(TEST_FUZZ_SECONDS)

# No file over 400 lines and no function over 80 in Sources/ (data tables marked as such).
check-sizes:
	scripts/check-sizes.py Sources

check-spoke-deps:
	$(SWIFT) build --product spoke
	scripts/check-spoke-deps.sh .build/debug/spoke

# The spoke's container image (spoke/Containerfile, FROM scratch) with podman or buildah.
IMAGE ?= fleet-spoke:$(shell sed -n 's/.*current = "\(.*\)".*/\1/p' Sources/FleetModel/FleetVersion.swift)
image: deps
	@builder=$$(command -v podman || command -v buildah || true); \
	if [ -z "$$builder" ]; then echo "make image needs podman or buildah: apt-get install podman (or buildah), then make image again"; exit 1; fi; \
	$(RELEASE) --product spoke && \
	scripts/spoke-rootfs.sh $$($(RELEASE) --show-bin-path)/spoke .build-image/rootfs && \
	if [ "$$(basename $$builder)" = podman ]; then podman build -f spoke/Containerfile -t $(IMAGE) .build-image; \
	else buildah bud --isolation chroot -f spoke/Containerfile -t $(IMAGE) .build-image; fi && \
	echo "built $(IMAGE); push it where your clusters pull from, and give it to fleet bootstrap --image"

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
	.build-release/release/fleet-bench helm --fleet .build-release/release/fleet --root . --corpus ../shared/conformance/helm
	.build-release/release/fleet-bench plan --apps 50 --clusters 1000
	.build-release/release/fleet-bench hub-load --hub .build-release/release/hub --spokes 1000 --seconds 120
	.build-release/release/fleet-bench spoke --spoke .build-release/release/spoke --resources 500 --seconds 60

# Coverage-guided fuzzing with libFuzzer (Sources/FleetFuzzTargets): each target runs for
# FUZZ_SECONDS from the committed corpus (Tests/FuzzCorpus/<target>/seeds and crashers); new
# interesting inputs collect in .build-fuzz/corpus. A crash or a hang (one input over 10 s) or
# 2 GB of memory stops it with exit 1 and leaves the input in .build-fuzz/crashers/: fix the
# cause and copy the input to Tests/FuzzCorpus/<target>/crashers/ as a regression test.
FUZZ_TARGETS := yaml json template appset kustomize request regex
FUZZ_SECONDS ?= 600
TEST_FUZZ_SECONDS ?= 45
FUZZ_BUILD := $(SWIFT) build -c release --scratch-path .build-fuzz --product fleet-fuzz -Xswiftc -sanitize=fuzzer -Xswiftc -DFLEET_LIBFUZZER
fuzz-build: deps
	$(FUZZ_BUILD)

fuzz: fuzz-build
	@mkdir -p .build-fuzz/crashers
	@for target in $(FUZZ_TARGETS); do \
	  mkdir -p .build-fuzz/corpus/$$target; \
	  echo "fuzz: $$target for $(FUZZ_SECONDS)s"; \
	  SWIFT_BACKTRACE=enable=no FLEET_FUZZ_TARGET=$$target .build-fuzz/release/fleet-fuzz -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -max_len=65536 -print_final_stats=1 -artifact_prefix=.build-fuzz/crashers/$$target- \
	    .build-fuzz/corpus/$$target Tests/FuzzCorpus/$$target/seeds Tests/FuzzCorpus/$$target/crashers \
	    > .build-fuzz/$$target.log 2>&1 \
	    || { tail -40 .build-fuzz/$$target.log; echo "fuzz: $$target failed: see .build-fuzz/$$target.log and .build-fuzz/crashers/"; exit 1; }; \
	  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" .build-fuzz/$$target.log | tr '\n' ' '; echo; \
	done

clean:
	rm -rf .build .build-release .build-static .build-fuzz
