# Berth — build, test, benchmark, install.
SWIFT ?= swift
PREFIX ?= /usr/local
BUILD_DIR := .build
DEBUG_BIN := $(BUILD_DIR)/debug
RELEASE_BIN := $(BUILD_DIR)/release
BINARIES := berth-runtime
APT_PACKAGES := libseccomp-dev libnl-3-dev libnl-route-3-dev zlib1g-dev busybox-static file \
	runc crun procps iproute2 python3 python3-jsonschema

.PHONY: all deps build release test test-unit test-runtime test-reference bench install demo clean

all: build

deps:
	@if [ "$$(id -u)" != 0 ]; then echo "make deps: run as root (apt-get)"; exit 1; fi
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(APT_PACKAGES)

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release --product berth-runtime

# Every test: unit tests and the root integration tests against berth-runtime,
# then the lifecycle tests against runc and crun to prove they test the spec.
test: build test-unit test-reference

test-unit:
	BERTH_TEST_RUNTIME=$(CURDIR)/$(DEBUG_BIN)/berth-runtime $(SWIFT) test

test-runtime:
	BERTH_TEST_RUNTIME=$(CURDIR)/$(DEBUG_BIN)/berth-runtime $(SWIFT) test --filter RuntimeTests

test-reference:
	BERTH_TEST_RUNTIME=runc $(SWIFT) test --skip-build --filter LifecycleTests
	Tests/fixtures/cgroup-v1-only.sh env BERTH_TEST_RUNTIME=crun $(SWIFT) test --skip-build --filter LifecycleTests

bench: release
	Tests/fixtures/cgroup-v1-only.sh python3 Tests/bench/runtime_bench.py --berth $(CURDIR)/$(RELEASE_BIN)/berth-runtime

install: release
	install -d $(DESTDIR)$(PREFIX)/bin
	for b in $(BINARIES); do install -m 0755 $(RELEASE_BIN)/$$b $(DESTDIR)$(PREFIX)/bin/$$b; done
	install -d $(DESTDIR)/etc/berth
	[ -e $(DESTDIR)/etc/berth/daemon.json ] || install -m 0644 deploy/daemon.json $(DESTDIR)/etc/berth/daemon.json

# Until the daemons exist, the demo runs a busybox container with the runtime alone.
demo: deps release
	deploy/runtime-demo.sh $(CURDIR)/$(RELEASE_BIN)/berth-runtime

clean:
	rm -rf $(BUILD_DIR)
