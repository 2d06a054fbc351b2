# The two commands the README shows: `make run` and `make test`. Both work on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
ADDRESS ?= localhost
PYTEST_ARGS ?=

.PHONY: run test lint fuzz bench screenshots deps dev-deps system-deps migrate demo clean help

help:
	@echo "make run    - set up and start the app on http://$(ADDRESS):$(PORT) (demo data on first run)"
	@echo "make test   - set up and run ruff and the whole test suite"
	@echo "make fuzz   - longer property-based fuzzing of the parser and the CSV import"
	@echo "make bench  - the benchmark suite (bench/run.py)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps: reinstall only when a requirements file changes.
$(VENV)/.deps: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

deps: $(VENV)/.deps
dev-deps: $(VENV)/.dev-deps

# Debian's chromium (browser tests) and postgresql (PostgreSQL tests), installed when missing.
system-deps:
	bash scripts/ensure-system-deps.sh

migrate: deps
	$(BIN)/python -m tracker db upgrade

demo: migrate
	$(BIN)/python -m tracker demo --if-empty

run: demo
	$(BIN)/streamlit run serve.py --server.port $(PORT) --server.address $(ADDRESS) --server.headless true

lint: dev-deps
	$(BIN)/ruff check .

test: dev-deps system-deps
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

fuzz: dev-deps
	TRACKER_FUZZ_EXAMPLES=5000 $(BIN)/python -m pytest -m fuzz

bench: dev-deps system-deps
	$(BIN)/python bench/run.py

# The README's pictures, from the demo data in a real Chromium.
screenshots: dev-deps system-deps
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache artifacts
