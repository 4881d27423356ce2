# Banyan: `make demo` serves the demo community, `make test` runs lint and the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
SEED ?= 2019

.PHONY: demo demo-reset serve install install-dev lint format test test-postgres test-browser messages clean bench bench-smoke

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Re-install when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e '.[dev]'
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

demo: install
	$(MANAGE) compile_translations
	$(MANAGE) migrate --noinput
	$(MANAGE) demo_build --seed $(SEED) --if-empty
	$(MANAGE) demo_logins
	$(MANAGE) runserver $(HOST):$(PORT) --noreload

demo-reset: install
	$(MANAGE) compile_translations
	$(MANAGE) migrate --noinput
	$(MANAGE) demo_build --seed $(SEED) --reset

serve: install
	$(MANAGE) runserver $(HOST):$(PORT) --noreload

lint: install-dev
	$(BIN)/ruff check banyan
	$(BIN)/ruff format --check banyan
	$(BIN)/mypy

format: install-dev
	$(BIN)/ruff format banyan
	$(BIN)/ruff check --fix banyan

test: lint
	$(MANAGE) compile_translations
	$(BIN)/python -m pytest --create-db -q

test-postgres: install-dev
	$(MANAGE) compile_translations
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/banyan} \
		$(BIN)/python -m pytest --create-db -q -m "not browser"

test-browser: install-dev
	$(MANAGE) compile_translations
	REQUIRE_BROWSER=1 $(BIN)/python -m pytest --create-db -q -m browser

# The benchmark (docs/performance.md): a district of BENCH_COMMUNITIES communities generated
# once into its own database (its name must contain "bench"), then every scenario measured
# through gunicorn; writes bench/results/<database>-<communities>.json and a table.
# SQLite: make bench BENCH_DATABASE_URL=sqlite:///$(CURDIR)/var/bench-10.sqlite3 BENCH_COMMUNITIES=10
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/banyan_bench
BENCH_COMMUNITIES ?= 100
BENCH_ARGS ?=

bench: install
	$(MANAGE) compile_translations
	DATABASE_URL=$(BENCH_DATABASE_URL) $(MANAGE) bench --communities $(BENCH_COMMUNITIES) $(BENCH_ARGS)

# The same harness at tiny scale (one community, a few requests) on SQLite: CI runs it so the
# harness never rots, and checks the JSON it writes, never a timing.
bench-smoke: install
	$(MANAGE) compile_translations
	DATABASE_URL=sqlite:///$(CURDIR)/var/bench-smoke.sqlite3 \
		$(MANAGE) bench --smoke --rebuild --out var/bench-smoke
	$(BIN)/python -m banyan.bench.check var/bench-smoke/sqlite-1.json

# Refresh the Chinese catalogue from the source (no GNU gettext needed).
messages: install-dev
	$(MANAGE) make_translations
	$(MANAGE) compile_translations

clean:
	rm -rf $(VENV) var
