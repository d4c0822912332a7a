# `make run` and `make test` work on a fresh machine with only Python 3.11.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/csgsim run

# In parallel on every core (pytest-xdist); the 15 slowest tests are printed, so CI shows them.
test: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --durations=15

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_goals.py
	$(BIN)/python benchmarks/bench_model.py
	$(BIN)/python benchmarks/bench_scaling.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
