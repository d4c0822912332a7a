# `make run` and `make test` work on a fresh machine with only Python 3.11.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench screenshot clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# 10 replications, so the first table comes within a minute on 2 cores; the tables state each
# figure's 95% interval, and more replications narrow them.
run: $(STAMP)
	$(BIN)/csgsim run --replications 10
	@echo "10 replications; for narrower intervals: $(BIN)/csgsim run --replications 100"

# In parallel on every core (pytest-xdist); the 15 slowest tests are printed, so CI shows them.
test: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --durations=15

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_goals.py
	$(BIN)/python benchmarks/bench_model.py
	$(BIN)/python benchmarks/bench_scaling.py

# The first page of the Zeeland report as printed (A4 PDF, page 1) for docs/; needs Debian's
# chromium and poppler-utils (pdftoppm).
screenshot: $(STAMP)
	rm -rf .screenshot-report
	$(BIN)/csgsim report --scenario zeeland --replications 40 --out .screenshot-report
	pdftoppm -png -r 70 -f 1 -l 1 -singlefile .screenshot-report/rapport.pdf docs/report-first-page
	rm -rf .screenshot-report

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
