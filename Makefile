# Dorset Living Lab: `make run` serves the demo, `make test` runs every check.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi.py

.PHONY: run test bench lint demo-db clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

demo-db: $(VENV)/.installed
	mkdir -p instance
	LIVINGLAB_ENV=development $(BIN)/flask db upgrade
	LIVINGLAB_ENV=development $(BIN)/flask demo

run: demo-db
	@echo "Serving the Dorset Living Lab on http://127.0.0.1:$(PORT) (Ctrl+C to stop)"
	LIVINGLAB_ENV=development $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test: lint
	bash scripts/system_deps.sh
	$(BIN)/pytest

bench: $(VENV)/.dev-installed
	$(BIN)/pytest tests/benchmarks -p no:randomly -o addopts="" -s

clean:
	rm -rf $(VENV) instance/livinglab.sqlite
