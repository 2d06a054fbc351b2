# The two commands the README shows: `make run` and `make test`. Both work on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
ADDRESS ?= localhost
PYTEST_ARGS ?=

.PHONY: axe run test lint fuzz bench screenshots deps dev-deps system-deps migrate demo clean help

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

# axe-core for the browser suite's accessibility sweep (tests/browser/test_a11y_sweep.py), pinned by its lock file.
AXE_DIR := tests/browser/axe
$(AXE_DIR)/node_modules/.installed: $(AXE_DIR)/package.json $(AXE_DIR)/package-lock.json
	cd $(AXE_DIR) && npm ci --no-audit --no-fund --silent
	touch $@

axe: $(AXE_DIR)/node_modules/.installed

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
	$(BIN)/streamlit run streamlit_app.py --server.port $(PORT) --server.address $(ADDRESS) --server.headless true

lint: dev-deps
	$(BIN)/ruff check .

test: dev-deps system-deps axe
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
