# Waspada: the two commands a new user needs are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(PY) -m flask --app portal
STAMP := $(VENV)/.installed

.PHONY: install run test browser-deps ocr-deps i18n compile-translations screenshots bench bench-deps bench-scale load lint audit lock clean

# Installs exactly the versions in requirements.lock (as constraints): a fresh clone on a day when
# newer releases exist gets the same set the tests last passed with. `make lock` refreshes it.
$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install ocr-deps
	$(MAKE) --no-print-directory compile-translations
	$(FLASK) db upgrade
	$(FLASK) support load portal/directory/services.yaml
	$(PY) -m portal.devserver  # starts Redis, loads the demo data, then a worker and the web

# Runs the whole suite on SQLite + embedded Redis, and also on PostgreSQL + Redis
# server when TEST_DATABASE_URL / TEST_REDIS_URL are set (.ci/run sets them).
# Tests run in TEST_WORKERS processes (pytest-xdist), each with its own databases and Redis.
# The slowest tests start first, and work stealing keeps both workers busy to the end: one
# that runs out takes half of what the other has left (xdist's default hands the first
# quarter of the suite out in two blocks, so one worker got every slow test).
TEST_WORKERS ?= 2
test: install browser-deps ocr-deps
	$(MAKE) --no-print-directory compile-translations
	$(MAKE) --no-print-directory lint audit
	$(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal

# The browser tests again, keeping a full-page picture of every step in tests/artifacts/.
screenshots: install browser-deps ocr-deps
	$(MAKE) --no-print-directory compile-translations
	SCREENSHOTS=1 $(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal -m browser -k sqlite

# Browser tests drive Debian's Chromium (never a downloaded browser) with fonts for every script;
# each is checked and installed on its own (a machine may have Chromium but not the fonts).
browser-deps:
	@bash scripts/browser_deps.sh

# Reading screenshots of job offers: Debian's Tesseract and the trained data of all nine
# languages, each checked and installed on its own (a machine may have Tesseract with English only).
ocr-deps:
	@bash scripts/ocr_deps.sh

# The load generator for the page benchmark: Debian's wrk.
bench-deps:
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else \
	    echo "wrk is needed for make bench: apt-get install wrk"; exit 1; \
	  fi; \
	fi

# Each catalog is compiled when its .po is newer than its .mo: `make run` while tests read the
# catalogs leaves them alone.
CATALOGS := $(wildcard translations/*/LC_MESSAGES/messages.po)
compile-translations: $(CATALOGS:.po=.mo)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po | $(STAMP)
	$(VENV)/bin/pybabel compile -d translations -l $* --statistics 2>&1 | grep -v "^compiling" || true

i18n: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot --no-location --sort-output --project Waspada --copyright-holder "Waspada contributors" .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(PY) scripts/fill_english.py
	$(VENV)/bin/pybabel compile -d translations --statistics

# Web pages and submissions against hello-world Flask, then triage jobs against RQ's no-op job,
# then reading screenshots (Tesseract, seconds per image per core).
# bench-scale needs PostgreSQL: BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/waspada_bench
bench: install bench-deps ocr-deps
	$(PY) bench/run.py
	$(PY) bench/triage_bench.py
	$(PY) bench/extract_hostile.py
	$(PY) bench/ocr_bench.py

# 10,000 submissions from parallel clients against gunicorn on PostgreSQL + Redis: zero 5xx,
# zero lost reports, rate limits as configured (BENCH_DATABASE_URL, BENCH_REDIS_URL).
load: install
	$(PY) bench/load_test.py

bench-scale: install
	$(PY) bench/linking_scale.py
	$(PY) bench/queue_scale.py
	$(PY) bench/rerun_scale.py

# Known vulnerabilities in the exact dependency set the tests run with (requirements.lock).
audit: install
	$(PY) scripts/audit.py

# Refresh requirements.lock from the virtualenv after changing pyproject.toml.
# Refresh requirements.lock: resolve pyproject.toml afresh (newest allowed releases) in a
# scratch virtualenv, then pin exactly what it installed. Commit the result with its tests.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip
	.venv-lock/bin/python -m pip install --quiet '.[dev]'
	.venv-lock/bin/python -m pip freeze --exclude-editable | grep -v -e "^-e " -e "^waspada[= @]" > requirements.lock
	rm -rf .venv-lock

lint: install
	$(PY) -m ruff check portal tests bench scripts
	$(PY) -m mypy portal/triage portal/config.py portal/categories.py portal/languages.py portal/forms.py portal/models portal/tips portal/directory portal/warnings portal/accounts portal/casework portal/job_offers portal/jobs portal/organisations portal/protection portal/retention portal/ocr.py

clean:
	rm -rf $(VENV) instance
