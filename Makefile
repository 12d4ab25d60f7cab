# The front door: make run | test | lint | bench | up
export UV_PYTHON_DOWNLOADS := never
UV ?= uv
PYTEST_ARGS ?=

.PHONY: install run test test-unit lint format bench up down services

install:  ## Create the virtual environment with every package (pyspark included)
	@command -v $(UV) >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen

run: install  ## Lighter standalone on 127.0.0.1:8080 (LIGHTER_PORT to change)
	@command -v java >/dev/null 2>&1 || { echo "Java 17+ is required to run Spark (apt-get install openjdk-17-jre-headless)"; exit 1; }
	$(UV) run lighter standalone

test: install  ## Every suite, against real RabbitMQ, a MongoDB-protocol server and Spark
	$(UV) run pytest $(PYTEST_ARGS)

test-unit: install  ## Domain and pure tests only (no services)
	$(UV) run pytest libs $(PYTEST_ARGS)

lint: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy libs/common/src services/*/src

format: install
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

services:  ## Install RabbitMQ, FerretDB and the system packages the tests need
	scripts/install-test-services.sh

bench: install  ## Control-plane benchmarks; figures printed and written to bench/results/
	$(UV) run python -m bench

up:  ## Distributed mode in containers (needs a Docker engine)
	docker compose -f deploy/compose.yaml up --build

down:
	docker compose -f deploy/compose.yaml down
