# make run  : create .venv (Python 3.12+), install, run the main job on the default world
# make test : create .venv (Python 3.12+), install, run the whole test suite
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Debian's chromium drives the browser tests of the classroom app (Playwright uses it; it never
# downloads a browser of its own). Installed once, when missing.
CHROMIUM := /usr/bin/chromium

.PHONY: run test lint bench bench-runner bench-sensitivity bench-app classroom-screenshots mutation mutation-continue clean

# Find a Python >= 3.12: python3.13/python3.12 on PATH, then pyenv's versions, then python3.
find-python = $(shell for p in python3.14 python3.13 python3.12 \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV) python3; do \
	  $$p -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1 && { command -v $$p; break; }; \
	done)

$(STAMP): pyproject.toml
	@py="$(find-python)"; \
	if [ -z "$$py" ]; then \
	  echo "error: braingain needs Python 3.12 or newer (mesa 3.5 requires it)."; \
	  echo "       none found as python3.12/python3.13/python3 or under ~/.pyenv/versions."; \
	  echo "       Install one (e.g. 'pyenv install 3.12' or your system's python3.12 package) and retry."; \
	  exit 1; \
	fi; \
	echo "using $$py ($$($$py --version))"; \
	test -x $(PY) || $$py -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/braingain main
	$(VENV)/bin/braingain report results/main

test: $(STAMP) $(CHROMIUM)
	$(PY) -m pytest -q

$(CHROMIUM):
	@echo "installing Debian's chromium for the browser tests of the classroom app"
	@if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
	$$sudo apt-get update -qq && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

bench: $(STAMP)
	$(PY) benchmarks/bench_model.py

bench-runner: $(STAMP)
	$(PY) benchmarks/bench_runner.py

bench-app: $(STAMP)
	$(PY) benchmarks/bench_app.py

# Mutation testing, run by hand (not part of `make test` or CI; hours on two cores): mutmut
# mutates the mechanisms, the metrics and the logit helpers ([tool.mutmut] in pyproject.toml),
# runs the unit-level tests against each mutant and prints the score per file. Survivors and
# why they are equivalent or harmless: tests/mutation_survivors.md. `make mutation-continue`
# resumes a stopped run (mutants already checked keep their result) and prints the score.
MUTATION_JOBS ?= 2
mutation: $(STAMP)
	rm -rf mutants
	$(VENV)/bin/mutmut run --max-children $(MUTATION_JOBS)
	$(VENV)/bin/mutmut results --all true | $(PY) tests/mutation_score.py

mutation-continue: $(STAMP)
	$(VENV)/bin/mutmut run --max-children $(MUTATION_JOBS)
	$(VENV)/bin/mutmut results --all true | $(PY) tests/mutation_score.py

classroom-screenshots: $(STAMP) $(CHROMIUM)
	$(PY) docs/make_classroom_screenshots.py

bench-sensitivity: $(STAMP)
	$(PY) benchmarks/bench_sensitivity.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache mutants
