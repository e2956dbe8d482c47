# Merkur — everyday commands. `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-postgres e2e lint format bench messages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

## Serve the app with demo data on SQLite at http://127.0.0.1:8000
run: $(STAMP)
	$(BIN)/merkur migrate --no-input
	$(BIN)/merkur demo
	$(BIN)/merkur serve --bind $(HOST):$(PORT) --with-worker

## The whole test suite (SQLite; PostgreSQL with MERKUR_TEST_DATABASE_URL=postgres://…)
test: $(STAMP)
	$(BIN)/pytest -m "not e2e"

## The same suite on the local PostgreSQL
test-postgres: $(STAMP)
	MERKUR_TEST_DATABASE_URL=$${MERKUR_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/merkur} $(BIN)/pytest -m "not e2e"

## Browser tests (Playwright driving Debian's chromium: apt-get install chromium)
e2e: $(STAMP)
	$(BIN)/pytest -m e2e

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Scale benchmarks (see docs/performance.md)
bench: $(STAMP)
	$(BIN)/python benchmarks/companies_list.py

## Re-extract and compile translations (needs GNU gettext)
messages: $(STAMP)
	cd src/merkur && ../../$(BIN)/merkur makemessages -l de -l en --no-location --ignore "static/*"
	cd src/merkur && ../../$(BIN)/merkur compilemessages

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
