PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: run test quick lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(STAMP_RUN)

## make run: set up .venv, install deeprecipe, run the whole recipe on an embedded dataset.
run: $(STAMP_RUN)
	$(BIN)/deeprecipe run

# Two test workers on two cores: each keeps BLAS to one thread, or the pools oversubscribe.
TEST_ENV := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

## make test: set up .venv with the test extras, run the whole suite.
test: $(STAMP_TEST)
	$(TEST_ENV) $(BIN)/python -m pytest -n 2 --dist loadfile -q --durations=15

## make quick: the fast subset, for iterating.
quick: $(STAMP_TEST)
	$(TEST_ENV) $(BIN)/python -m pytest -n 2 -q -m "not slow"

lint: $(STAMP_TEST)
	$(BIN)/ruff check src tests benchmarks

## make bench: every contender in its own process, interleaved; writes benchmarks/results/.
bench: $(STAMP_TEST)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache
