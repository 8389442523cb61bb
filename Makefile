# chatcore: two commands on a fresh machine (python3 and make are all they need).
#   make run   - install into .venv, start the embedded PostgreSQL, migrate, serve API + admin
#   make test  - the same set-up, then the whole test suite
#   make test-external - the suite on a stock PostgreSQL 15, through PgBouncer, and the
#                 replica/Redis/two-host tests (scripts/test_external.sh; README "Production")
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-external fuzz install lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

install: $(VENV)/.installed

run: install
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python manage.py serve

test: install
	./scripts/ensure_chromium.sh
	./scripts/ensure_node_client.sh
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

test-external: install
	./scripts/ensure_chromium.sh
	./scripts/ensure_node_client.sh
	./scripts/test_external.sh

# Schemathesis over every operation with the full budget (make test runs 5 examples each).
fuzz: install
	FUZZ_MAX_EXAMPLES=$${FUZZ_MAX_EXAMPLES:-100} $(BIN)/python -m pytest -q tests/test_fuzz_schema.py

lint: install
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var
