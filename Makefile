# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-quick lint bench check-content clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Start the bot: on Telegram when TELEGRAM_BOT_TOKEN is set, otherwise a chat in this terminal.
run: $(STAMP)
	$(BIN)/python -m bot $(ARGS)

## Run the whole test suite (on up to four CPUs; PYTEST_ARGS="-n 0" for one process).
test: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --maxprocesses 4 --dist worksteal $(PYTEST_ARGS)

## The development loop: pure units and chats only (SQLite), no processes, database suites or fuzz.
test-quick: $(STAMP)
	TEST_DATABASE_URL= $(BIN)/python -m pytest -q -m "unit or chat" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench

check-content: $(STAMP)
	$(BIN)/python -m bot check-content

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
