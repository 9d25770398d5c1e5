# Two commands set everything up on a fresh Debian 12 machine (see README.md):
#   make publish   validate, store, publish data, build the site, push to CKAN if configured
#   make test      install what the tests need (Debian packages, pinned Python and npm
#                  packages, a throwaway CKAN), lint, and run them
#   make lint      ruff and mypy, at zero findings (settings in pyproject.toml)
# Downloads and venvs are cached under .venv/ and .cache/ (git-ignored).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CACHE := .cache
NODE_DIR := $(CACHE)/node
APT_PACKAGES := chromium postgresql redis-server libpq-dev libmagic1 gcc default-jre-headless nodejs npm fonts-dejavu-core curl
NPM_PACKAGES := vnu-jar@26.9.27 axe-core@4.14.1 lighthouse@13.5.0

.PHONY: intake publish test lint venv system-deps node-deps serve clean ckan-venv ckan-dev ckan-down validate fuzz sample bench

## Python venv with the pinned packages; rebuilt when a requirements file changes.
$(VENV)/.stamp: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.stamp

## Debian packages the tests need (the browser, PostgreSQL and Redis for CKAN, Java for vnu).
system-deps:
	@# java and npm may come from other packages (openjdk-17-jre, nodesource's nodejs), which
	@# conflict with default-jre-headless / npm: count those as present when the command exists.
	@missing=""; for p in $(APT_PACKAGES); do \
	  case $$p in default-jre-headless) c=java;; npm) c=npm;; *) c="";; esac; \
	  if [ -n "$$c" ] && command -v $$c >/dev/null 2>&1; then continue; fi; \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "apt-get install$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

## npm packages for the HTML checker, the accessibility checker and Lighthouse, pinned.
$(NODE_DIR)/.stamp: Makefile
	mkdir -p $(NODE_DIR)
	npm install --silent --no-audit --no-fund --prefix $(NODE_DIR) $(NPM_PACKAGES)
	touch $@

node-deps: system-deps $(NODE_DIR)/.stamp

publish: venv
	$(PY) -m pipeline publish

validate: venv
	$(PY) -m pipeline validate

## The intake service for agencies: gunicorn on 127.0.0.1 (port: portal.toml [intake] port or
## INTAKE_PORT, default 8080). The first start creates and prints the data officer's account.
intake: venv
	$(PY) -m pipeline intake

## Lint first: it takes seconds and fails before the slow setup of the tests.
## A missing checker (vnu, axe-core, Lighthouse, Chromium) or tmpfs mount fails its tests here: the
## escape hatch SKIP_MISSING_TOOLS=1 of tests/checkers.py is cleared, so CI cannot pass without them.
## Two pytest-xdist workers; then, alone, the tests marked solo (Lighthouse's score follows the
## machine's load). TEST_SHARED_DIR lets both parts share one publish of the sample. Each test
## module goes whole to one worker, and all CKAN tests to one worker (tests/conftest.py).
TEST_WORKERS ?= 2
test: lint node-deps ckan-venv
	rm -rf $(CACHE)/test-run && mkdir -p $(CACHE)/test-run
	SKIP_MISSING_TOOLS= TEST_SHARED_DIR=$(CACHE)/test-run $(PY) -m pytest -q -rs --durations=25 \
	  -n $(TEST_WORKERS) --dist loadscope -m "not solo" tests
	SKIP_MISSING_TOOLS= TEST_SHARED_DIR=$(CACHE)/test-run $(PY) -m pytest -q -rs -m solo tests

## ruff over the repository and mypy (strict) over pipeline/, both pinned in requirements-dev.txt;
## their settings are in pyproject.toml. Zero findings, or the target fails.
lint: venv
	$(PY) -m ruff check .
	$(PY) -m mypy pipeline tools

## Hypothesis over thousands of generated and mangled agency files (FUZZ_EXAMPLES per target).
FUZZ_EXAMPLES ?= 5000
fuzz: venv
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -q -s -p no:cacheprovider tests/test_fuzz_inputs.py

## Regenerate the synthetic sample (datasets/submissions, history, receipts.csv) from the data
## tables in tools/sample/source/; the same sources always give the same bytes.
sample: venv
	$(PY) -m tools.sample

## Generate a large synthetic city (BENCH_SCALE: city, town or AxSxM) in a temporary folder and
## measure every step (time, peak memory of the process tree); table on screen, JSON in output/bench/.
BENCH_SCALE ?= city
bench: venv
	BENCH_SCALE=$(BENCH_SCALE) $(PY) -m tools.bench

serve: venv
	@test -d output/site || $(PY) -m pipeline build
	$(PY) -m http.server --bind 127.0.0.1 --directory output/site 8000

clean:
	rm -rf output

## --- CKAN (a real local CKAN for the push tests and for trying the push) ---
## CKAN 2.11 from PyPI in its own venv (.cache/ckan/venv; it pins many packages exactly, so it
## never shares .venv), PostgreSQL 15 and Redis from Debian, and a small Solr stand-in
## (tests/ckan/solr_standin.py), all on 127.0.0.1; ckanext-harvest and ckanext-dcat (pinned in
## tests/ckan/ckan_harness.py) join the same venv for the harvest test. The first run also builds a template
## database with a sysadmin and an API token, so later starts take seconds.
CKAN_HARNESS := $(PY) tests/ckan/ckan_harness.py

ckan-venv: system-deps venv
	$(CKAN_HARNESS) venv

## Start a local CKAN (http://127.0.0.1:5000, or CKAN_DEV_PORT) and leave it running; prints
## the CKAN_URL and CKAN_API_TOKEN to export (also saved in .cache/ckan/dev/ckan.env).
ckan-dev: ckan-venv
	@$(CKAN_HARNESS) up

## Stop the local CKAN started by ckan-dev (only the processes it started, by PID).
ckan-down:
	@$(CKAN_HARNESS) down
