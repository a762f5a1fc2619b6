# Two commands do everything on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
# make test runs the tests side by side in this many processes (pytest-xdist), then those marked
# "alone" (timings, load: tests/conftest.py ALONE) on their own. 2: the machines CI runs on.
TEST_PROCESSES ?= 2

.PHONY: run test install install-test translations db lint extract-messages clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

# The Nu Html Checker (tests/e2e/test_every_page.py runs it with the machine's Java 17), pinned by
# package-lock.json. Install scripts stay off: vnu-jar's would try to download a Java runtime.
# Without npm the test skips that check (and fails under CADRE_REQUIRE_BROWSER=1, as in CI).
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --ignore-scripts && touch $@; \
	else echo "npm not found: tests/e2e/test_every_page.py will skip the Nu Html Checker"; fi

install-test: $(VENV)/.installed-test node_modules/.installed

# Compiled catalogues (.mo) are build output: made from the .po files we keep in git.
translations: install
	$(BIN)/pybabel compile --statistics -d app/translations

# Upgrade the schema to the latest migration (keeps existing data), then import bundled courses.
# When a migration is pending on an existing database, a copy goes to instance/backups/ first.
db: translations
	$(FLASK) backup --if-upgrade-pending
	$(FLASK) db upgrade
	$(FLASK) content import

run: db
	CADRE_ENV=development $(FLASK) run --host $(HOST) --port $(PORT)

test: install-test translations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# Both halves run whatever the first gives; make fails if either failed.
	$(BIN)/pytest -q -n $(TEST_PROCESSES) -m "not alone"; side_by_side=$$?; \
	$(BIN)/pytest -q -m alone && exit $$side_by_side

# Cadre against a Flask hello world under gunicorn, side by side (bench/README.md). QUICK=1: a small
# seed and short rounds; BENCH_SECONDS, BENCH_ROUNDS, BENCH_COURSES, BENCH_LEARNERS, BENCH_DATABASE_URL...
bench: translations
	@command -v wrk >/dev/null || [ "$$(id -u)" != 0 ] || apt-get install -y -q wrk >/dev/null \
		|| { apt-get update -q && apt-get install -y -q wrk >/dev/null; }
	$(if $(QUICK),BENCH_QUICK=$(QUICK)) $(BIN)/python bench/run.py

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# After changing user-facing strings: refresh the catalogue, translate, then `make translations`.
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -c TRANSLATORS: -k _l -k lazy_gettext -k N_ -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations

clean:
	rm -rf $(VENV) node_modules instance/cadre.sqlite
