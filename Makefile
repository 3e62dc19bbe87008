# The README's commands. `make run` and `make test` each install what they need first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup setup-dev run test test-fast lint bench clean

$(VENV)/.base-installed: requirements/base.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements/base.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.base-installed requirements/dev.txt requirements/prod.txt
	$(PIP) install --quiet -r requirements/dev.txt -r requirements/prod.txt
	touch $@

setup: $(VENV)/.base-installed

setup-dev: $(VENV)/.dev-installed

## Install, migrate and run the web server (ASGI) and one Celery worker on embedded defaults.
run: setup
	HOST=$(HOST) PORT=$(PORT) PY=$(PY) bash bin/run

## Install test dependencies and run every test suite (slow ones included).
test: setup-dev
	$(PY) -m pytest $(PYTEST_ARGS)

## The quick local loop: skip suites marked slow.
test-fast: setup-dev
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

lint: setup-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: setup-dev
	$(PY) bench/geometry.py
	$(PY) bench/api.py

clean:
	rm -rf var .pytest_cache
