# Medical AI Daily — everything a fresh machine needs goes through these targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: help install demo test bench serve-demo build clean lock

help:
	@echo "make demo   - set up .venv, run the whole pipeline offline on the sample data, build the site in build/demo/site"
	@echo "make test   - set up .venv if needed and run the whole test suite"
	@echo "make bench  - print the benchmark figures (selection quality, enrichment, faults, site scale, search latency; site_scale.py --issues 1300 for the five-year budget)"
	@echo "make build  - render pages and feeds from data/ and build the site into site/"
	@echo "make lock   - regenerate requirements.lock (runtime dependencies with hashes, Linux/CPython 3.11) for the workflow"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m generator demo --out build/demo

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/classify.py
	$(BIN)/python bench/enrich.py
	$(BIN)/python bench/faults.py
	$(BIN)/python bench/institutions.py
	$(BIN)/python bench/math_typeset.py
	$(BIN)/python bench/site_scale.py --issues 100 --incremental
	$(BIN)/python bench/search_latency.py --issues 100 --lunr

build: $(STAMP)
	$(BIN)/python -m generator build

# The scheduled workflow installs from requirements.lock with --require-hashes. pip-tools runs in a throwaway venv
# (it is no dependency of the project), against PyPI only, so the hashes are the ones a GitHub runner will download.
LOCKVENV := /tmp/medical-ai-daily-piptools
lock:
	$(PYTHON) -m venv $(LOCKVENV)
	$(LOCKVENV)/bin/python -m pip install --quiet pip-tools
	env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null $(LOCKVENV)/bin/pip-compile --quiet --generate-hashes --strip-extras \
		--index-url https://pypi.org/simple --no-emit-index-url --no-emit-find-links --output-file requirements.lock pyproject.toml

# the address the demo is built for (python -m generator demo --url, default http://127.0.0.1:8000/), loopback only
serve-demo:
	$(BIN)/python -m http.server --bind 127.0.0.1 -d build/demo/site 8000

clean:
	rm -rf build site .pytest_cache
