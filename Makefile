# Every target installs what it needs: `make test` and `make simulate` work on a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export AWS_DEFAULT_REGION ?= us-east-1
export PYTHONDONTWRITEBYTECODE := 1
CODE := lambdas infra simulator rightsize tests app.py

.PHONY: help install lint typecheck test simulate bench synth diff deploy destroy clean lock browser mutation

help: ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  make \1\t\2/' | expand -t 18

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip==25.3
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
	# The operator CLI, `rightsize` (rightsize/ and the recommender contract it shares), editable.
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP) ## the pinned .venv and the rightsize CLI (editable)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# checkov pins boto3/pydantic versions that conflict with the project's: it gets its own venv, from
# requirements-checkov.lock (resolved in a scratch venv: pip install checkov==3.3.30 && pip freeze).
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

$(CHECKOV_STAMP): requirements-checkov.lock
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-checkov.lock
	touch $(CHECKOV_STAMP)

lint: $(STAMP) ## ruff check and format check
	$(VENV)/bin/ruff check $(CODE)
	$(VENV)/bin/ruff format --check $(CODE)

typecheck: $(STAMP) ## mypy over the code and the tests
	$(VENV)/bin/mypy $(CODE)

# The report's browser test (tests/cli/test_report_browser.py) drives Debian's chromium and
# chromium-driver: installed when missing (as root, with apt-get); otherwise one line says why the
# test will be skipped, and the target does not fail.
browser: ## Debian's chromium and chromedriver for the report's browser test (root only)
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then \
	  :; \
	elif [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
	  echo "make browser: chromium or chromedriver missing and not installable here (needs root and apt-get): the report's browser test will be skipped"; \
	else \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
	  || echo "make browser: apt-get could not install chromium chromium-driver: the report's browser test will be skipped"; \
	fi

# The infra tier runs asl-validator (node_modules) and checkov (.venv-checkov) too.
test: lint typecheck node_modules/.installed $(CHECKOV_STAMP) browser ## lint, types, every test tier and the checkers (what CI runs)
	$(VENV)/bin/pytest -n 2 -q

# Mutation testing (mutation/, mutmut): every mutant of recommender's logic/ and steps/ and of the
# CLI's views.py and progress.py, against tests/unit and tests/handlers, 2 at a time. Not part of
# `make test`: about 40 minutes on 2 cores given an earlier run's record of killers (kept by a fresh
# run), slower without. Fails when a module scores below 95 % (equivalents,
# mutation/equivalent.txt, excluded).
mutation: $(STAMP) ## mutation testing: a fresh run and the score per module (ARGS="summary", "--help")
	$(PY) -m mutation $(or $(ARGS),run)

simulate: $(STAMP) ## the synthesized stack offline, driven by the rightsize CLI (ARGS="--help")
	$(PY) -m simulator $(ARGS)

bench: $(STAMP) ## polls, lag, cost per run and cold start, measured offline (ARGS="--help")
	$(PY) -m simulator.bench $(ARGS)

synth: $(STAMP) node_modules/.installed ## cdk synth
	npx --no-install cdk synth --quiet

diff: $(STAMP) node_modules/.installed ## cdk diff against the deployed stack
	npx --no-install cdk diff

deploy: $(STAMP) node_modules/.installed ## cdk deploy (AWS credentials needed)
	npx --no-install cdk deploy

destroy: $(STAMP) node_modules/.installed ## cdk destroy
	npx --no-install cdk destroy

# Re-resolve the pinned set from pyproject.toml (run after changing a dependency).
lock: ## re-resolve requirements.lock from pyproject.toml
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install --quiet --disable-pip-version-check '.[dev]'
	.lockenv/bin/pip freeze --all --exclude pip --exclude inference-recommender-orchestrator > requirements.lock
	rm -rf .lockenv

clean: ## remove the venvs, cdk.out and node_modules
	rm -rf $(VENV) $(CHECKOV_VENV) cdk.out node_modules .mypy_cache .pytest_cache .ruff_cache mutants
