# weft — top-level commands. `make lab` and `make test` are the two that matter.
SHELL := /bin/bash
JDK := $(shell scripts/find-jdk25 2>/dev/null)
MVN := JAVA_HOME=$(JDK) mvn -B -q -Dstyle.color=never
# Debian packages the tests and the lab need (installed when missing; needs root).
DEBS := iproute2 nftables iptables conntrack containernetworking-plugins jq gcc socat util-linux etcd-server iperf3

.PHONY: all build test lab deps check-jdk clean dist bench-cni

all: build

check-jdk:
	@scripts/find-jdk25 >/dev/null

deps:
	@scripts/install-debs $(DEBS)

build: check-jdk
	$(MVN) -DskipTests install
	@JAVA_HOME=$(JDK) scripts/make-dist

test: check-jdk deps build
	$(MVN) -fae -Dweft.dist=$(CURDIR)/dist -Dsurefire.failIfNoSpecifiedTests=false test
	@scripts/leak-check

lab: check-jdk
	@echo "weft lab: not yet — the lab (a multi-node cluster in network namespaces) arrives with the node issue (#3)."
	@echo "Today: 'make build' then dist/bin/weft-cni / weft-ipam / weft (see README)."

# weft-cni vs the reference bridge+host-local, interleaved ADD/DEL cycles (see bench/RESULTS.md)
bench-cni: deps build
	@bench/run-cni-bench $(BENCH_ARGS)

clean:
	$(MVN) clean
	rm -rf dist
