# vipkeeper build. `make test` is what CI runs (.ci/run).
SHELL := /bin/bash
MVN ?= mvn -B
# Debian packages the tests start for real (see ARCHITECTURE.md, "Tests").
TEST_PACKAGES := keepalived nftables haproxy iproute2 etcd-server etcd-client dnsutils iputils-ping stress-ng bird2 frr conntrackd conntrack curl
# command that proves each package is there, in the same order
TEST_COMMANDS := keepalived nft haproxy ip etcd etcdctl dig ping stress-ng bird /usr/lib/frr/bgpd conntrackd conntrack curl

.PHONY: test build deps bench jar clean image image-jib image-jib-tar manifests chart-test lab

# `sudo make lab`: what the lab needs (and what builds it), then the narrated demo on a virtual LAN.
LAB_PACKAGES := keepalived nftables iproute2 openjdk-17-jdk-headless maven conntrackd conntrack
LAB_COMMANDS := keepalived nft ip java mvn conntrackd conntrack

test: deps
	$(MVN) verify

lab:
	@$(MAKE) --no-print-directory deps TEST_PACKAGES="$(LAB_PACKAGES)" TEST_COMMANDS="$(LAB_COMMANDS)"
	./vipkeeper lab demo

build jar:
	$(MVN) -q -DskipTests package -pl cli -am

# Container images (need a registry; see docs/install.md "Images").
IMAGE_REGISTRY ?= ghcr.io/vipkeeper
IMAGE_TAG ?= 0.1.0
DOCKER ?= docker
# the agent image (keepalived, nftables, iproute2, haproxy): deploy/image/Dockerfile, context = repository root
image: jar
	$(DOCKER) build -f deploy/image/Dockerfile -t $(IMAGE_REGISTRY)/agent:$(IMAGE_TAG) .

# the controller and DNS images with Jib (cli module, profile jib; not part of the default build)
image-jib:
	$(MVN) -q -DskipTests -Pjib -pl cli -am package -Djib.goal=build -Dimage.registry=$(IMAGE_REGISTRY) -Dimage.tag=$(IMAGE_TAG)

# the same as image tars in cli/target (no push; the base image still has to come from a registry or a tar)
image-jib-tar:
	$(MVN) -q -DskipTests -Pjib -pl cli -am package -Djib.goal=buildTar -Dimage.registry=$(IMAGE_REGISTRY) -Dimage.tag=$(IMAGE_TAG)

# deploy/manifests/vipkeeper.yaml = the chart rendered with its default values
manifests:
	$(MVN) -q -pl deploy-tests -am test -Dtest=ManifestsTest -Dsurefire.failIfNoSpecifiedTests=false -Dvipkeeper.writeManifests=true

# only the deployment tests (chart, manifests, RBAC, ports, metrics, image files)
chart-test:
	$(MVN) -q -pl deploy-tests -am verify

# Installs the missing system packages when run as root; otherwise names them.
deps:
	@missing=""; cmds=($(TEST_COMMANDS)); pkgs=($(TEST_PACKAGES)); \
	for i in $${!cmds[@]}; do command -v $${cmds[$$i]} >/dev/null 2>&1 || missing="$$missing $${pkgs[$$i]}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing packages:$$missing -- run: sudo apt-get install -y$$missing"; exit 2; fi; \
	fi
	@command -v kubectl >/dev/null || echo "note: kubectl is not installed; the kubectl tests will fail (the lab demo works without it)"

# JMH benchmarks; figures go to docs/benchmarks.md
bench:
	$(MVN) -q -DskipTests package -pl benchmarks -am
	java -jar benchmarks/target/benchmarks.jar $(BENCH_ARGS)

clean:
	$(MVN) -q clean
