# The two commands: `make run` and `make test`. Everything else is a helper for them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test install lint schema lock bench clean browser console console-check screenshots

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Switchboard needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python -m app.cli serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy app

# GraphiQL's tests drive Debian's Chromium headless; installed here when missing (as root).
browser:
	@command -v chromium >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1 \
		|| apt-get install -y -q chromium >/dev/null 2>&1 \
		|| { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; } \
		|| echo "Chromium could not be installed: the GraphiQL browser tests will skip (fail in CI)"

# The admin console (console/, TypeScript): built into app/web/console, which ships in the
# package, so serving it needs no Node. `make console` rebuilds it after a change.
console/node_modules/.installed: console/package.json console/package-lock.json
	cd console && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

console: console/node_modules/.installed
	cd console && npm run build

# The shipped build must be what the source builds to (types checked against schema.graphql).
console-check: console/node_modules/.installed
	rm -rf /tmp/switchboard-console-check
	cd console && npm run build -- --outDir /tmp/switchboard-console-check --emptyOutDir --logLevel error
	@diff -r /tmp/switchboard-console-check app/web/console \
		|| { echo "app/web/console is not what console/ builds to: run 'make console' and commit it"; exit 1; }
	@echo "console: the shipped build matches its source"

# The README's pictures of the console, taken by its tests (SQLite only).
screenshots: install browser console-check
	SWITCHBOARD_SCREENSHOTS=docs $(BIN)/pytest -q tests/console -k "sqlite and (manages or usage_page)"

test: lint browser console-check
	$(BIN)/python -m app.cli export-schema --check
	$(BIN)/pytest

schema: install
	$(BIN)/python -m app.cli export-schema

# Re-pin every dependency after editing pyproject.toml.
lock:
	rm -rf /tmp/switchboard-lock && $(PYTHON) -m venv /tmp/switchboard-lock
	/tmp/switchboard-lock/bin/pip install --quiet --upgrade pip
	/tmp/switchboard-lock/bin/pip install --quiet -e '.[dev]'
	/tmp/switchboard-lock/bin/pip freeze --exclude-editable > requirements.lock

bench: install
	$(BIN)/python -m bench.connections_list
	$(BIN)/python -m bench.hot_read
	$(BIN)/python -m bench.refresh_and_catalog
	$(BIN)/python -m bench.request_budgets
	$(BIN)/python -m bench.write_path
	$(BIN)/python -m bench.gateway
	$(BIN)/python -m bench.budget_check
	$(BIN)/python -m bench.hostile_upstreams
	$(BIN)/python -m bench.usage_recording
	$(BIN)/python -m bench.usage_query
	$(BIN)/python -m bench.config_apply
	$(BIN)/python -m bench.console_load

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache console/node_modules
