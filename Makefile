# Topology: two commands do all set-up on a fresh machine.
#   make run    start the local Neo4j and the sandbox cloud, scan it, import a demo, serve
#   make test   lint and run the whole test suite (unit, integration, e2e)
# Everything installs into .venv/ at the repository root.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Changes per second the sandbox cloud makes in `make run` (its notifications keep the
# graph live through the listener); 0 for a still cloud.
CHURN ?= 0.2
STAMP := $(VENV)/.installed-stamp
GRAPHIQL := topology/api/graphiql_assets
# npm ci writes this file last: it is there, and newer than the lock file, once installed.
GRAPHIQL_STAMP := $(GRAPHIQL)/node_modules/.package-lock.json
PYTEST_ARGS ?=

.PHONY: setup run stop status test unit integration lint bench-load bench-cliques bench-api bench-sensu bench-daemons bench-sandbox bench-scan bench-events bench-journal clean help

help:
	@echo "make run          start the local Neo4j and the sandbox cloud, scan it, import the demo, serve the API and the viewer (/)"
	@echo "make test         ruff + the whole test suite (starts its own Neo4j when NEO4J_URI is unset)"
	@echo "make unit         fast tests only (no services)"
	@echo "make stop         stop the sandbox cloud and the local Neo4j"
	@echo "make bench-load   batched-write benchmark (JSON under bench/results/)"
	@echo "make bench-cliques clique latency: compiled Cypher vs Calipso's strategy"
	@echo "make bench-api    instance clique over HTTP at concurrency 1 and 16"
	@echo "make bench-sensu  Sensu results/s through POST /sensu/events and the handler command"
	@echo "make bench-daemons private MariaDB/RabbitMQ start and stop; 100,000 rows into the sandbox schema"
	@echo "make bench-sandbox a 1,000-host, 20,000-instance sandbox: start time, memory, answers checked"
	@echo "make bench-scan   a full scan of a 200-host, 4,000-instance sandbox, time per phase"
	@echo "make bench-events notifications/s and publish-to-visible p95 through the listener, batched vs one per transaction"
	@echo "make bench-journal what the topology journal adds to each change set's transaction"

$(STAMP): pyproject.toml scripts/install-system-deps.sh scripts/ensure-python-venv.sh \
		scripts/ensure-wrk.sh scripts/install-sandbox-deps.sh
	@# Java and Maven are only needed for the local Neo4j (not when NEO4J_URI is set).
	@if [ -z "$$NEO4J_URI" ]; then bash scripts/install-system-deps.sh; fi
	@# wrk drives bench/api; without it only that benchmark (and its smoke test) fails.
	@bash scripts/ensure-wrk.sh || true
	@# MariaDB and RabbitMQ: the tests and the sandbox start private servers from them;
	@# without them those tests are skipped loudly (and fail under CI=true).
	@bash scripts/install-sandbox-deps.sh || true
	bash scripts/ensure-python-venv.sh $(PYTHON)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# GraphiQL's scripts and styles (served by the API itself); without them only the GraphiQL
# page (and its test) fails, and the page says how to install them.
$(GRAPHIQL_STAMP): $(GRAPHIQL)/package.json $(GRAPHIQL)/package-lock.json \
		scripts/ensure-graphiql-assets.sh
	@bash scripts/ensure-graphiql-assets.sh || \
		echo "warning: GraphiQL's files are not installed (see above); the API works without them" >&2

setup: $(STAMP) $(GRAPHIQL_STAMP)

run: setup
	$(BIN)/topology neo4j start
	$(BIN)/topology sandbox start --sensu --churn $(CHURN)
	$(BIN)/topology scan --env sandbox
	$(BIN)/topology scan-manager --detach
	$(BIN)/topology listen --env sandbox --detach
	$(BIN)/topology demo --environment demo
	$(BIN)/topology serve --generate-token

stop: setup
	-$(BIN)/topology listen --env sandbox --stop
	-$(BIN)/topology scan-manager --stop
	$(BIN)/topology sandbox stop
	$(BIN)/topology neo4j stop

status: setup
	$(BIN)/topology neo4j status; $(BIN)/topology sandbox status; \
		$(BIN)/topology listen --status

lint: setup
	$(BIN)/ruff check .

test: setup lint
	$(BIN)/pytest $(PYTEST_ARGS)

unit: setup
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

integration: setup
	$(BIN)/pytest tests/integration tests/e2e $(PYTEST_ARGS)

# The benchmark runs on its own local Neo4j (bench/neo4j.toml), stopped afterwards;
# with NEO4J_URI set it uses that Neo4j instead.
bench-load: setup
	TOPOLOGY_CONFIG=bench/neo4j.toml $(BIN)/python -m bench.load $(BENCH_ARGS); \
	status=$$?; [ -n "$$NEO4J_URI" ] || TOPOLOGY_CONFIG=bench/neo4j.toml $(BIN)/topology neo4j stop; \
	exit $$status

bench-cliques: setup
	TOPOLOGY_CONFIG=bench/neo4j.toml $(BIN)/python -m bench.cliques $(BENCH_ARGS); \
	status=$$?; [ -n "$$NEO4J_URI" ] || TOPOLOGY_CONFIG=bench/neo4j.toml $(BIN)/topology neo4j stop; \
	exit $$status

bench-api: setup
	TOPOLOGY_CONFIG=bench/neo4j.toml $(BIN)/python -m bench.api $(BENCH_ARGS); \
	status=$$?; [ -n "$$NEO4J_URI" ] || TOPOLOGY_CONFIG=bench/neo4j.toml $(BIN)/topology neo4j stop; \
	exit $$status

bench-sensu: setup
	TOPOLOGY_CONFIG=bench/neo4j.toml $(BIN)/python -m bench.sensu $(BENCH_ARGS); \
	status=$$?; [ -n "$$NEO4J_URI" ] || TOPOLOGY_CONFIG=bench/neo4j.toml $(BIN)/topology neo4j stop; \
	exit $$status

# Private servers of its own in a temporary folder, stopped and removed at the end.
bench-daemons: setup
	$(BIN)/python -m bench.daemons $(BENCH_ARGS)

bench-sandbox: setup
	$(BIN)/python -m bench.sandbox $(BENCH_ARGS)

bench-scan: setup
	TOPOLOGY_CONFIG=bench/neo4j.toml $(BIN)/python -m bench.scan $(BENCH_ARGS); \
	status=$$?; [ -n "$$NEO4J_URI" ] || TOPOLOGY_CONFIG=bench/neo4j.toml $(BIN)/topology neo4j stop; \
	exit $$status

bench-events: setup
	TOPOLOGY_CONFIG=bench/neo4j.toml $(BIN)/python -m bench.events $(BENCH_ARGS); \
	status=$$?; [ -n "$$NEO4J_URI" ] || TOPOLOGY_CONFIG=bench/neo4j.toml $(BIN)/topology neo4j stop; \
	exit $$status

bench-journal: setup
	TOPOLOGY_CONFIG=bench/neo4j.toml $(BIN)/python -m bench.journal $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache $(GRAPHIQL)/node_modules
