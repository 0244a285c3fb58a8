# weft — top-level commands. `make lab` and `make test` are the two that matter.
SHELL := /bin/bash
JDK := $(shell scripts/find-jdk25 2>/dev/null)
MVN := JAVA_HOME=$(JDK) mvn -B -q -Dstyle.color=never
# Debian packages the tests and the lab need (installed when missing; needs root).
DEBS := iproute2 nftables iptables conntrack containernetworking-plugins jq gcc socat util-linux etcd-server etcd-client iperf3 curl iputils-ping procps python3

.PHONY: all build test lab deps check-jdk clean dist bench bench-cni bench-overlay bench-services bench-deps

all: build

check-jdk:
	@scripts/find-jdk25 >/dev/null

deps:
	@scripts/install-debs $(DEBS)

build: check-jdk
	$(MVN) -DskipTests install
	@JAVA_HOME=$(JDK) scripts/make-dist

test: check-jdk deps build
	@rc=0; $(MVN) -fae -Dweft.dist=$(CURDIR)/dist -Dsurefire.failIfNoSpecifiedTests=false test || rc=$$?; \
	  scripts/leak-check || rc=1; scripts/test-summary; exit $$rc

# a 3-node cluster of network namespaces with 4 pods; prints the status and what to try next
lab: check-jdk deps build
	@dist/bin/weft lab up --pods 4

# weft-cni vs the reference bridge+host-local, interleaved ADD/DEL cycles (see bench/RESULTS.md)
bench-deps: deps
	@scripts/install-debs librsvg2-bin  # SVG reports also as PNG

bench-cni: bench-deps build
	@bench/run-cni-bench $(BENCH_ARGS)

# pod<->pod same node, across nodes (VXLAN) and the raw underlay, iperf3 + TCP RR, in a 2-node lab
bench-overlay: bench-deps build
	@bench/run-overlay-bench $(BENCH_ARGS)

# Services at 1 / 1 000 / 10 000 x 10 endpoints, nftables and iptables: sync times and ClusterIP latency
bench-services: bench-deps build
	@bench/run-services-bench $(BENCH_ARGS)

bench: bench-cni bench-overlay bench-services

clean:
	$(MVN) clean
	rm -rf dist
