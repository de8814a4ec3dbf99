# Two commands a new user needs (see README): `make demo` and `make test`.
VENV ?= .venv
PYTHON ?= python3
KEJU = $(VENV)/bin/keju
PG_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: install system-packages demo test test-postgres test-sqlite lint clean-demo

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Debian packages for browser tests and reports (chromium, fonts-noto-cjk,
# poppler-utils, libreoffice-calc-nogui); installs only what is missing.
system-packages:
	bash scripts/ensure-system-packages.sh

# Install, migrate the embedded SQLite database, load the Lanbai plan and the
# demo zone, print the demo accounts and serve on http://127.0.0.1:8000.
demo: install system-packages
	env -u DATABASE_URL $(KEJU) migrate --noinput
	env -u DATABASE_URL $(KEJU) demo
	env -u DATABASE_URL DEBUG=1 $(KEJU) runserver 127.0.0.1:8000

# Lint, type-check, migrations check, then the whole suite on PostgreSQL and on SQLite.
test: install system-packages lint test-postgres test-sqlite

lint: install
	$(VENV)/bin/ruff check keju benchmarks
	$(VENV)/bin/ruff format --check keju benchmarks
	$(VENV)/bin/mypy
	env -u DATABASE_URL $(KEJU) makemigrations --check --dry-run

test-postgres: install
	bash scripts/ensure-postgres.sh
	DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -q -p no:cacheprovider -n auto

test-sqlite: install
	env -u DATABASE_URL $(VENV)/bin/pytest -q -p no:cacheprovider -n auto
