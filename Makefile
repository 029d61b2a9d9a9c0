# Two commands for a new user: `make run` (platform with demo data on SQLite) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint bench clean-db

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# The web server and one job consumer (Procfile), stopped together with Ctrl-C.
run: $(VENV)/.installed
	$(BIN)/flask --app matchmaker demo --if-empty
	PATH="$(CURDIR)/$(BIN):$$PATH" HOST=$(HOST) $(BIN)/honcho start -p $(PORT)

test: $(VENV)/.installed-test
	# Compiled modules are kept (the environment may say otherwise): every test process and server
	# started by the suite would recompile the project (about 4 s of CPU each) instead of reading it once.
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff with its security rules (flake8-bandit, "S") over the whole project, and its formatter's check.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check matchmaker tests benchmarks migrations
	$(BIN)/ruff format --check matchmaker tests benchmarks migrations

clean-db:
	rm -f instance/matchmaker.sqlite*
