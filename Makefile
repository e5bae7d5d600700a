# Two commands on a fresh machine with Python 3.11:  make book  and  make test.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PROFILE ?= quick
BUILD_FLAGS := -W -n --keep-going

.PHONY: setup browser lint chapters html book instructor test test-fast bench clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

setup: $(STAMP)             ## the virtual environment, and the memory RNNs' C++ loop built (once per machine)
	$(PY) -c 'from recur_tutorial.models import memory_kernels as k; print(k.unavailable() or "memory RNN loop: compiled")'

chapters: setup            ## execute every chapter with papermill (PROFILE=quick|full)
	$(PY) tools/execute_chapters.py --profile $(PROFILE)

html: setup                ## build the HTML book strictly from the executed chapters
	$(PY) tools/stage_book.py
	$(VENV)/bin/jupyter-book build _build/source --path-output . $(BUILD_FLAGS)

book: chapters html
	@echo "The book is built: open _build/html/index.html"
	@$(PY) tools/execute_chapters.py --report

instructor: setup          ## the instructor's kit (solutions, autograders) in _build/instructor: never publish it
	$(PY) tools/assignment.py --all

browser:                   ## headless Chromium (offline page test) and npm (MathJax), from Debian's packages
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)
	command -v npm >/dev/null || (apt-get update && apt-get install -y npm)

lint: setup                ## ruff (pinned in requirements.txt, configured in pyproject.toml); the workflows against GitHub's schema
	$(VENV)/bin/ruff check .
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

test: setup browser lint   ## every test: units, properties, chapters executed, strict build, pages offline
	$(PY) -m pytest -q -ra --durations=25

test-fast: setup lint      ## lint, then the unit and property tests only
	$(PY) -m pytest -q -m "not slow"

bench: setup
	$(PY) bench/tasks.py
	$(PY) bench/ops.py
	$(PY) bench/sweep.py
	$(PY) bench/memory_rnn.py
	$(PY) bench/transformer.py
	$(PY) bench/train_step.py

clean:
	rm -rf _build .pytest_cache
