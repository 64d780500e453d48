# The README's commands. Each sets up .venv first (created if missing, refreshed when
# pyproject.toml changes), so a fresh machine needs only Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup report test test-fast lint typecheck pytest bench clean-reports screenshots

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,scale,audio]"
	@touch $(STAMP)

## make report: run every report on the bundled demo study into reports/ (HTML and PDF,
## with reports/index.html over them)
report: $(STAMP)
	MPLBACKEND=Agg $(BIN)/interviewlab report all --study demo --pdf

## make screenshots: every page under reports/ as PNG in reports/screenshots/ (needs
## Debian's chromium; run `make report` first)
screenshots: $(STAMP)
	$(BIN)/python tools/screenshots.py reports

## make test: pytest (with doctests of src/), ruff and mypy
test: $(STAMP) lint typecheck pytest

## make test-fast: the edit loop: ruff, then pytest without the tests marked slow (those
## that run whole reports); `make test` still runs everything
test-fast: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	MPLBACKEND=Agg $(BIN)/pytest -q -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	MPLBACKEND=Agg $(BIN)/pytest -q

## make bench: every benchmark's workloads next to its anchor in one table (nothing is
## asserted); BENCH_ARGS="--quick" for a short run, "--large" adds the 1.05M-rating lme4 row
bench: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python benchmarks/run_all.py $(BENCH_ARGS)

clean-reports:
	find reports -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
