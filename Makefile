PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: run test test-floor quick lint bench clean

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

# The floor job: a second environment on Python 3.11 holding the OLDEST version of every core
# dependency pyproject.toml promises (.ci/floor_pins.py turns each >= into ==; wheels only), and the
# tests of the estimators and the public API run in it. A floor nobody tests is a guess.
PYTHON_FLOOR ?= python3.11
FLOOR_VENV := .venv-floor
# the estimators, the public API, model files and training in full; the CLI, the report and the
# data loaders (click, rich, matplotlib, pyarrow) without their slow tests
FLOOR_TESTS := tests/sklearn tests/api tests/io tests/train
FLOOR_FAST_TESTS := tests/cli tests/report tests/data

$(FLOOR_VENV)/.installed: pyproject.toml .ci/floor_pins.py Makefile
	rm -rf $(FLOOR_VENV)
	$(PYTHON_FLOOR) -m venv $(FLOOR_VENV)
	$(PYTHON_FLOOR) .ci/floor_pins.py > $(FLOOR_VENV)/floor-pins.txt
	$(FLOOR_VENV)/bin/python -m pip install --quiet --only-binary=numpy,scipy,scikit-learn,matplotlib,safetensors,pyarrow \
		--constraint $(FLOOR_VENV)/floor-pins.txt -e ".[parquet]" pytest pytest-xdist hypothesis pandas psutil
	touch $@

## make test-floor: the estimator and API tests against the oldest supported dependencies.
test-floor: $(FLOOR_VENV)/.installed
	$(FLOOR_VENV)/bin/python -m pip list --format=freeze | grep -iE "^($$(cut -d= -f1 $(FLOOR_VENV)/floor-pins.txt | paste -sd'|'))=="
	$(TEST_ENV) $(FLOOR_VENV)/bin/python -m pytest -n 2 --dist loadfile -q -p no:warnings $(FLOOR_TESTS)
	$(TEST_ENV) $(FLOOR_VENV)/bin/python -m pytest -n 2 --dist loadfile -q -p no:warnings -m "not slow" \
		$(FLOOR_FAST_TESTS)

## make quick: the fast subset, for iterating.
quick: $(STAMP_TEST)
	$(TEST_ENV) $(BIN)/python -m pytest -n 2 -q -m "not slow"

lint: $(STAMP_TEST)
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks

## make bench: every contender in its own process, interleaved; writes benchmarks/results/.
bench: $(STAMP_TEST)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) $(FLOOR_VENV) build dist src/*.egg-info .pytest_cache
