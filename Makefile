# The two commands: `make demo` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# Browser libraries for the admin, fetched from npm and hash-checked (scripts/fetch_vendor_assets.py).
VENDOR_STAMP := src/commonground/analytics/static/analytics/vendor/.fetched
export COMMONGROUND_DATA_DIR ?= $(CURDIR)/var

.PHONY: demo test install lint typecheck test-setup test-sqlite test-postgres bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found %s)" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Order-only: the vendor files are refreshed when their pins change, without a pip reinstall.
$(STAMP): pyproject.toml | $(BIN)/python $(VENDOR_STAMP)
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python $(VENDOR_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $@ $(STAMP)

$(VENDOR_STAMP): scripts/fetch_vendor_assets.py | $(BIN)/python
	$(BIN)/python scripts/fetch_vendor_assets.py

install: $(STAMP)

# Two origins on one port: the site at 127.0.0.1, the admin at localhost (core/http/origins.py).
demo: export BASE_URL ?= http://127.0.0.1:$(or $(PORT),8000)
demo: export ADMIN_BASE_URL ?= http://localhost:$(or $(PORT),8000)
# The demo's mail goes to a local mailbox (core/mail/mailbox.py), kept as files, never sent.
demo: export DEMO_MAILBOX_DIR ?= $(COMMONGROUND_DATA_DIR)/mailbox
demo: export EMAIL_URL ?= smtp://127.0.0.1:$(or $(MAILBOX_PORT),8025)
demo: $(STAMP)
	@echo "Migrating the database in $(COMMONGROUND_DATA_DIR) ..."
	$(BIN)/commonground migrate --noinput --verbosity 0
	$(BIN)/commonground collectstatic --noinput --verbosity 0
	$(BIN)/commonground load_demo
	DEBUG=$${DEBUG:-false} $(BIN)/commonground run

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/lint-imports
	$(BIN)/python scripts/import_cycles.py

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

# Chromium and Redis from Debian (once, before the suites: two apt-get runs would fight over
# dpkg's lock).
test-setup: $(TEST_STAMP)
	$(BIN)/python scripts/test_setup.py
	@mkdir -p test-artifacts  # pytest makes its --basetemp, but not the folder above it

# Each suite has its own temporary directories (settings/test.py, --basetemp) and ports.
test-sqlite: test-setup
	$(BIN)/pytest --basetemp=$(CURDIR)/test-artifacts/pytest-sqlite

# The real-browser tests run once, in the SQLite suite (the engine `make demo` runs on): what
# they check is the page in Chromium, and running them twice took the full run past 25 minutes.
# Everything else runs on both engines.
test-postgres: test-setup
	$(BIN)/python scripts/with_postgres.py $(BIN)/pytest -m "not browser" --basetemp=$(CURDIR)/test-artifacts/pytest-postgres

# The two suites side by side: much of each is waiting on servers, browsers and sockets, so on
# two cores they take little longer together than the longer one alone. Each one's output is
# printed whole when it ends.
test: lint typecheck
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

bench: $(STAMP)
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/generate.py
	$(BIN)/python bench/queries.py
	$(BIN)/python bench/scorecard.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache test-artifacts $(dir $(VENDOR_STAMP))
