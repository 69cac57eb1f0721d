# Berth — build, test, benchmark, install.
SWIFT ?= swift
PREFIX ?= /usr/local
BUILD_DIR := .build
DEBUG_BIN := $(BUILD_DIR)/debug
RELEASE_BIN := $(BUILD_DIR)/release
BINARIES := berth berthd berth-https berth-runtime berth-shim berth-supervisor berth-ctl
APT_PACKAGES := libseccomp-dev libnl-3-dev libnl-route-3-dev zlib1g-dev libzstd-dev busybox-static file \
	runc crun containerd procps iproute2 curl python3 python3-jsonschema python3-pip tini \
	docker-registry skopeo openssl libssl-dev libcurl4-openssl-dev zstd

.PHONY: all deps build release test test-unit test-runtime test-reference bench install demo clean

all: build

deps:
	@if [ "$$(id -u)" != 0 ]; then echo "make deps: run as root (apt-get)"; exit 1; fi
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(APT_PACKAGES)
	# The python3 first on PATH may not be Debian's (pyenv): make sure it has jsonschema too.
	python3 -c 'import jsonschema' 2>/dev/null || python3 -m pip install --quiet jsonschema || python3 -m pip install --quiet --break-system-packages jsonschema
	# The Python docker SDK (7.x) drives berthd in the tests, as users' scripts do.
	python3 -c 'import docker' 2>/dev/null || python3 -m pip install --quiet 'docker>=7' || python3 -m pip install --quiet --break-system-packages 'docker>=7'
	# cryptography signs the JWTs of the test token server; openapi-spec-validator checks Protocols/docker-engine-api.yaml.
	python3 -c 'import cryptography' 2>/dev/null || python3 -m pip install --quiet cryptography || python3 -m pip install --quiet --break-system-packages cryptography
	python3 -c 'import openapi_spec_validator' 2>/dev/null || python3 -m pip install --quiet openapi-spec-validator || python3 -m pip install --quiet --break-system-packages openapi-spec-validator

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release

# Every test: unit tests and the root integration tests against berth-runtime,
# then the runtime lifecycle suite and the shim/supervisor suites against runc
# and crun as the runtime, to prove they test the spec and not our quirks.
test: build test-unit test-reference

test-unit:
	BERTH_TEST_RUNTIME=$(CURDIR)/$(DEBUG_BIN)/berth-runtime $(SWIFT) test

test-runtime:
	BERTH_TEST_RUNTIME=$(CURDIR)/$(DEBUG_BIN)/berth-runtime $(SWIFT) test --filter RuntimeTests

test-reference:
	BERTH_TEST_RUNTIME=runc $(SWIFT) test --skip-build --filter 'LifecycleTests|DaemonTests' --skip 'Engine'
	Tests/fixtures/cgroup-v1-only.sh env BERTH_TEST_RUNTIME=crun $(SWIFT) test --skip-build --filter 'LifecycleTests|DaemonTests' --skip 'Engine'

# engine_bench.py and registry_bench.py compare berthd with dockerd when Debian's docker.io is installed (not in deps).
bench: release
	Tests/fixtures/cgroup-v1-only.sh python3 Tests/bench/runtime_bench.py --berth $(CURDIR)/$(RELEASE_BIN)/berth-runtime
	python3 Tests/bench/supervisor_bench.py --bin $(CURDIR)/$(RELEASE_BIN)
	python3 Tests/bench/engine_bench.py --bin $(CURDIR)/$(RELEASE_BIN)
	python3 Tests/bench/registry_bench.py --bin $(CURDIR)/$(RELEASE_BIN)

install: release
	install -d $(DESTDIR)$(PREFIX)/bin
	for b in $(BINARIES); do install -m 0755 $(RELEASE_BIN)/$$b $(DESTDIR)$(PREFIX)/bin/$$b; done
	install -d $(DESTDIR)/etc/berth
	[ -e $(DESTDIR)/etc/berth/daemon.json ] || install -m 0644 deploy/daemon.json $(DESTDIR)/etc/berth/daemon.json
	install -m 0644 deploy/seccomp-default.json $(DESTDIR)/etc/berth/seccomp-default.json

# Starts berthd, loads busybox (made from Debian's busybox-static) and runs a container
# with the berth CLI; deploy/runtime-demo.sh does the same with the runtime alone.
demo: deps release
	deploy/berth-demo.sh $(CURDIR)/$(RELEASE_BIN)

clean:
	rm -rf $(BUILD_DIR)
