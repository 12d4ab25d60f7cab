# The front door: make run | test | lint | bench | up
export UV_PYTHON_DOWNLOADS := never
# uv from PATH, else where `pip install --user` puts it.
UV ?= $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
PYTEST_ARGS ?=
BENCH_ARGS ?=
# `--inexact` leaves packages a developer already installed (the dev groups) in place; a fresh
# environment gets exactly what the command needs.
SYNC = $(UV) sync --frozen --inexact

.PHONY: uv install install-dev install-test test-prerequisites k8s-test-binaries run test test-unit lint format \
	bench up down services

uv:
	@command -v $(UV) >/dev/null 2>&1 || python3 -m pip install --quiet --user uv \
	  || { echo "uv is needed: python3 -m pip install --user uv (on Debian: apt-get install python3-pip first)," \
	       "or see https://docs.astral.sh/uv/getting-started/installation/"; exit 1; }

install: uv  ## The runtime environment: the services and pyspark, no test or lint tools
	$(SYNC)

install-dev: uv  ## Adds the test and lint tools (dependency group `dev`)
	$(SYNC) --group dev

test-prerequisites:  ## The system packages and servers the suites need (idempotent)
	scripts/install-test-services.sh

install-test: uv test-prerequisites  ## Adds the test tools and the real clients the suites drive
	$(SYNC) --group dev --group clients

# kube-apiserver, kubectl and kwok for the Kubernetes tests, cached by version under
# ~/.cache/lighter/k8s/ (the first build: ~25 CPU-minutes, 15-55 minutes on 2 cores; then instant).
k8s-test-binaries: test-prerequisites
	scripts/k8s-test-cluster.sh build

# Hadoop's MiniYARNCluster jars for the YARN tests, cached by version under ~/.cache/lighter/yarn/
# (the first build: ~30 s of downloads from Maven Central). The YARN suite also builds and starts
# the cluster itself, in the background while the other suites are collected and run.
yarn-test-binaries: test-prerequisites
	scripts/yarn-test-cluster.sh build

run: install  ## Lighter standalone on 127.0.0.1:8080 (LIGHTER_PORT to change)
	@command -v java >/dev/null 2>&1 || { echo "Java 17+ is required to run Spark (apt-get install openjdk-17-jre-headless)"; exit 1; }
	$(UV) run --no-sync lighter standalone

# The Kubernetes suites run last, so that a first build of their binaries (started early, as
# .ci/run does) can go on while the others run; `build` waits for a build already under way.
test: install-test  ## Every suite, against real RabbitMQ, a MongoDB-protocol server, Spark and a Kubernetes API server
	$(UV) run --no-sync pytest -m "not kubernetes" $(PYTEST_ARGS)
	scripts/k8s-test-cluster.sh build
	$(UV) run --no-sync pytest -m kubernetes $(PYTEST_ARGS)

.PHONY: test-k8s
test-k8s: install-test k8s-test-binaries  ## Only the Kubernetes tests (a real API server; first build: 15-55 min, cached)
	$(UV) run --no-sync pytest -m kubernetes $(PYTEST_ARGS)

.PHONY: test-yarn yarn-test-binaries
test-yarn: install-test yarn-test-binaries  ## Only the YARN tests (a real MiniYARNCluster and Spark)
	$(UV) run --no-sync pytest -m yarn $(PYTEST_ARGS)

test-unit: install-dev  ## Domain and pure tests only (no services)
	$(UV) run --no-sync pytest libs $(PYTEST_ARGS)

lint: install-dev
	$(UV) run --no-sync ruff check .
	$(UV) run --no-sync ruff format --check .
	$(UV) run --no-sync mypy libs/common/src services/*/src libs/common/tests services/*/tests tests bench

format: install-dev
	$(UV) run --no-sync ruff check --fix .
	$(UV) run --no-sync ruff format .

services: test-prerequisites  ## Install RabbitMQ, FerretDB and the system packages the tests need

bench: install  ## Benchmarks (BENCH_ARGS='--only kubernetes', '--quick', …; see python -m bench -h)
	$(UV) run --no-sync python -m bench $(BENCH_ARGS)

up:  ## Distributed mode in containers (needs a Docker engine)
	docker compose -f deploy/compose.yaml up --build

down:
	docker compose -f deploy/compose.yaml down
