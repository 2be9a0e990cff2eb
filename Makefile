# daibiao — the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The `daibiao` command defaults to daibiao.settings.dev; pytest reads daibiao.settings.test
# from pyproject.toml. Neither is exported here, so that one never leaks into the other.
DEMO_SETTINGS ?= daibiao.settings.dev

.PHONY: demo test test-postgres test-browser bench lint format messages assets install install-test migrate serve worker clean help security deploy-smoke bench-features fuzz synth

help:
	@echo "make demo          set up and serve the demo county at http://127.0.0.1:$(PORT)"
	@echo "make test          install what the tests need and run the suite (SQLite)"
	@echo "make test-postgres the suite against DATABASE_URL (PostgreSQL)"
	@echo "make test-browser  the Playwright tests in Debian's chromium"
	@echo "make bench         the province benchmark table (PostgreSQL, after daibiao synth --counties 100)"
	@echo "make bench-features the per-feature benchmarks (search, routing, dedup, overview, roster import)"
	@echo "make lint          ruff"
	@echo "make security      secrets scan, security tests, dependency audit"
	@echo "make fuzz          schema fuzzing of the API (FUZZ_REQUESTS, default 2000; CI sends 350)"
	@echo "make synth         a synthetic province in DATABASE_URL (N counties, default 10; JOBS writers, default: the cores)"
	@echo "make deploy-smoke  (root) replica, 2 app processes, workers, nginx, Redis — checked locally"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "daibiao needs Python 3.11, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps make each install step run again only when its lock file changes.
$(VENV)/.base-installed: requirements/base.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/base.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e . 2>/dev/null || $(BIN)/pip install --quiet --no-deps -e .
	@touch $@

$(VENV)/.test-installed: requirements/test.lock $(VENV)/.base-installed
	$(BIN)/pip install --quiet -r requirements/test.lock
	@touch $@

install: $(VENV)/.base-installed
install-test: $(VENV)/.test-installed

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

daibiao/static/vendor/.copied: node_modules/.package-lock.json scripts/vendor_assets.py
	$(PYTHON) scripts/vendor_assets.py
	@touch $@

assets: daibiao/static/vendor/.copied

migrate: install
	@mkdir -p var
	$(BIN)/daibiao migrate --no-input -v0

demo: install assets migrate
	$(BIN)/daibiao demo load --if-absent
	$(BIN)/daibiao collectstatic --no-input -v0
	@$(BIN)/daibiao demo accounts
	@echo "Serving at http://127.0.0.1:$(PORT)  (Ctrl-C stops the web, the worker and the scheduler)"
	@trap 'kill 0' INT TERM EXIT; \
	  $(BIN)/daibiao db_worker --interval 2 --no-reload >var/worker.log 2>&1 & \
	  $(BIN)/daibiao scheduler >var/scheduler.log 2>&1 & \
	  $(BIN)/gunicorn daibiao.wsgi:application --bind 127.0.0.1:$(PORT) --workers 2 --threads 4 --timeout 120 \
	    --env DJANGO_SETTINGS_MODULE=$(DEMO_SETTINGS) --access-logfile - --log-level warning

test: install-test assets
	DJANGO_SETTINGS_MODULE=daibiao.settings.test $(BIN)/pytest -q -n 2 --dist loadfile

test-postgres: install-test assets
	@test -n "$$DATABASE_URL" || (echo "Set DATABASE_URL=postgres://…" && exit 2)
	DJANGO_SETTINGS_MODULE=daibiao.settings.test $(BIN)/pytest -q -n 2 --dist loadfile

test-browser: install-test assets
	DJANGO_SETTINGS_MODULE=daibiao.settings.test $(BIN)/pytest -q -m browser -p no:xdist

# The province table (issue 8) on the data of `daibiao synth --counties 100` in PostgreSQL
# (bench/province.py --help: the database, the runs, the load test).
BENCH_ARGS ?= --migrate
bench: install-test
	$(BIN)/python bench/province.py $(BENCH_ARGS)

bench-features: install-test
	@for script in bench/bench_*.py; do echo "== $$script"; DJANGO_SETTINGS_MODULE=daibiao.settings.test $(BIN)/python $$script || exit 1; done

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

security: install-test
	python3 scripts/check_secrets.py
	DJANGO_SETTINGS_MODULE=daibiao.settings.test $(BIN)/pytest -q -n 2 --dist loadfile tests/security daibiao/accounts/tests/test_login.py daibiao/core/tests/test_files.py
	$(BIN)/python scripts/audit_deps.py

fuzz: install-test
	FUZZ_REQUESTS=$${FUZZ_REQUESTS:-2000} FUZZ_SEED=$${FUZZ_SEED:-random} DJANGO_SETTINGS_MODULE=daibiao.settings.test $(BIN)/pytest -q -p no:xdist -s tests/robustness/test_api_schema_fuzz.py

N ?= 10
JOBS ?= $(shell nproc 2>/dev/null || echo 1)
synth: install
	@test -n "$$DATABASE_URL" || (echo "Set DATABASE_URL=postgres://…/EMPTY_DB" && exit 2)
	$(BIN)/daibiao migrate --no-input -v0
	$(BIN)/daibiao synth --counties $(N) --jobs $(JOBS)

# Root only: it makes a streaming replica of the local PostgreSQL (docs/deployment.md).
deploy-smoke: install assets
	deploy/smoke.sh

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install
	$(BIN)/daibiao makemessages -l zh_Hans --no-obsolete --add-location file --ignore '.venv/*' --ignore 'node_modules/*' --ignore 'var/*' --ignore 'daibiao/static/*' --ignore 'tests/*' --ignore 'bench/*'
	$(BIN)/daibiao compilemessages -l zh_Hans --ignore '.venv/*' --ignore 'node_modules/*'

clean:
	rm -rf $(VENV) node_modules daibiao/static/vendor var/static
