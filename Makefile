# The two commands: `make run` (the product on SQLite, no Redis) and `make test` (the suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
# make test runs the suite on every core (pytest-xdist; a file's tests stay on one worker)
PYTEST_WORKERS ?= auto
PYTEST_ARGS ?= -n $(PYTEST_WORKERS) --dist loadfile

.PHONY: run test install install-dev lint format bench clean messages typecheck

# make run installs what the product needs (requirements.txt); make test, lint, typecheck and
# format also the test tools (requirements-dev.txt).
$(BIN)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/*.po))

# The compiled catalogues are built, not committed (GNU gettext's msgfmt, as Django's
# compilemessages uses); --check-format refuses a translation whose placeholders differ.
%.mo: %.po
	msgfmt --check-format -o $@ $<

messages: $(MO_FILES)

install: $(BIN)/.installed $(MO_FILES)
	@command -v pdftotext >/dev/null 2>&1 || .ci/install-pdf || echo "install: without those packages everything runs but the PDF exports"

install-dev: install $(BIN)/.installed-dev

## make run: migrate, seed the demo agency, serve http://127.0.0.1:8000 (ASGI) with the Celery worker and beat
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py register_schedules
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	PORT=$(PORT) $(BIN)/honcho -f Procfile.dev start

## make test: lint, the import contracts, mypy and the repeated-block rule, then the whole suite (DATABASE_URL / REDIS_URL select PostgreSQL and Redis)
test: install-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python .ci/repeated_blocks.py
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## make lint: ruff (lint and format), the import contracts, mypy, and no repeated block of six or more lines in application code without an "Alike … on purpose" comment (.ci/repeated_blocks.py)
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python .ci/repeated_blocks.py

## make typecheck: mypy with the Django and DRF stubs over the application code (0 errors since 3 Dec 2026, from 391 when issue 15 was filed); make lint and make test run it too
typecheck: install-dev
	$(BIN)/mypy

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/pip install -q -r bench/requirements.txt
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles var db.sqlite3
