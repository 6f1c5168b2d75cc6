# Two commands matter on a fresh machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
WB := $(VENV)/bin/workbook
HOST ?= 127.0.0.1
PORT ?= 8866
SERVE_ARGS ?= --no-browser
PYTEST_ARGS ?=

.PHONY: install install-test run test browser libreoffice fonts i18n clean

# Re-installs only when pyproject.toml changed since the last install.
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,postgres,dask,hub]'
	@touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test browser libreoffice fonts node_modules/.installed

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium not found and apt-get not usable: browser tests will be skipped"; fi; \
	fi

# An Arabic font for charts and PDFs (Debian's Noto Sans/Naskh Arabic UI, 5 MB; nothing is downloaded
# at run time). Without it Arabic is still drawn, joined and right to left, in DejaVu Sans.
fonts:
	@if ! fc-list 2>/dev/null | grep -qi "Noto Sans Arabic UI"; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian fonts-noto-ui-core (Arabic font for charts and PDFs)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-ui-core >/dev/null) \
	      || echo "fonts-noto-ui-core not installed: Arabic falls back to DejaVu Sans"; \
	  else echo "Noto Sans Arabic UI not found and apt-get not usable: Arabic falls back to DejaVu Sans"; fi; \
	fi

# The message catalogues (see workbook/i18n/messages.py): extract the marked strings from the
# package and the templates (babel.cfg), update each language's .po, compile the .mo files that
# are committed beside them. Translate the new entries in the .po files, then run it again.
LOCALES := fr es ar
POT := workbook/locale/workbook.pot
i18n: install
	@mkdir -p workbook/locale
	$(VENV)/bin/pybabel extract -F babel.cfg -o $(POT) --project "MBM assessment workbook" --version 0.1.0 \
	  --copyright-holder "MBM assessment workbook contributors" --add-comments TRANSLATORS: \
	  -k tmsg --sort-by-file --no-wrap . 2>&1 | grep -v '^extracting messages from' || true
	@for l in $(LOCALES); do \
	  $(VENV)/bin/pybabel update --init-missing --no-fuzzy-matching --no-wrap -i $(POT) -d workbook/locale -D workbook -l $$l || exit 1; \
	done
	$(VENV)/bin/pybabel compile --statistics -d workbook/locale -D workbook

# axe-core for the accessibility audits in the browser tests and configurable-http-proxy for the
# JupyterHub test (npm registry; pinned in package.json and package-lock.json).
node_modules/.installed: package.json
	@if command -v npm >/dev/null 2>&1; then npm install --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the accessibility audits and the JupyterHub test will be skipped"; fi

# LibreOffice Calc for the test that opens the exported workbook (skipped when absent).
libreoffice:
	@if ! command -v soffice >/dev/null 2>&1 && ! command -v libreoffice >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian libreoffice-calc-nogui for the spreadsheet test"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-calc-nogui >/dev/null; \
	  else echo "LibreOffice not found and apt-get not usable: the LibreOffice test will be skipped"; fi; \
	fi
	@if ! command -v pdftotext >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  echo "installing Debian poppler-utils to read PDFs back in the tests"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null || true; \
	fi

run: install fonts
	$(WB) db upgrade
	$(WB) demo
	$(WB) serve --host $(HOST) --port $(PORT) $(SERVE_ARGS)

# The unit tests run on $(JOBS) processes (pytest-xdist; every test has its own database); the
# system tests, which start servers, kernels and Chromium of their own, then run one at a time.
# `make test PYTEST_ARGS="tests/unit/store -k sqlite"` runs just what it names, in one process.
JOBS ?= 2
test: install-test
ifeq ($(strip $(PYTEST_ARGS)),)
	tools/with-postgres bash -c '$(PY) -m pytest tests/unit -n $(JOBS); unit=$$?; \
	  $(PY) -m pytest tests/system; system=$$?; \
	  echo "unit tests: exit $$unit; system tests: exit $$system"; exit $$(( unit || system ))'
else
	tools/with-postgres $(PY) -m pytest $(PYTEST_ARGS)
endif

clean:
	rm -rf $(VENV) outputs .pytest_cache
