# The two commands the README shows: `make run` and `make test`. Both work on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
ADDRESS ?= localhost
PYTEST_ARGS ?=

.PHONY: axe run test lint fuzz bench screenshots deps dev-deps system-deps migrate demo clean help lock lock-upgrade check-lock

help:
	@echo "make run    - set up and start the app on http://$(ADDRESS):$(PORT) (demo data on first run)"
	@echo "make test   - set up and run ruff and the whole test suite"
	@echo "make fuzz   - longer property-based fuzzing of the parser and the CSV import"
	@echo "make bench  - the benchmark suite (bench/run.py)"
	@echo "make lock   - rewrite the hashed locks after editing requirements*.txt (keeps the other pins)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs repeat exactly (docs/operations.md, "Installs that repeat exactly"): every package comes from a
# hashed lock written by `make lock`, nothing is resolved at install time (--no-deps: the lock is complete).
# Stamps: reinstall only when a lock changes.
$(VENV)/.deps: requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock
	touch $@

$(VENV)/.dev-deps: requirements.lock requirements-dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	touch $@

# The locks, from the top-level lists people edit (requirements.txt, requirements-dev.txt). Re-runnable at
# any time: existing pins are kept (uv prefers the versions already in the output file) and only what a
# changed top-level list needs is added, removed or moved. `make lock-upgrade` moves everything to the newest
# versions the top-level pins allow. The runtime lock is constrained to the dev lock: the app runs exactly
# what the tests ran.
UV_VERSION := 0.13.8
UV_COMPILE = $(BIN)/uv pip compile --quiet --generate-hashes --universal --python-version 3.11 \
	--custom-compile-command "make lock"

$(BIN)/uv: | $(BIN)/python
	$(BIN)/pip install --quiet uv==$(UV_VERSION)

lock: | $(BIN)/uv
	$(UV_COMPILE) $(UV_FLAGS) requirements-dev.txt -o requirements-dev.lock
	$(UV_COMPILE) $(UV_FLAGS) requirements.txt -c requirements-dev.lock -o requirements.lock
	$(BIN)/python scripts/check_lock.py

lock-upgrade:
	$(MAKE) lock UV_FLAGS=--upgrade

check-lock: | $(BIN)/python
	$(BIN)/python scripts/check_lock.py

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
	$(BIN)/streamlit run serve.py --server.port $(PORT) --server.address $(ADDRESS) --server.headless true

lint: dev-deps
	$(BIN)/ruff check .

test: check-lock dev-deps system-deps axe
	$(BIN)/pip check
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
