# Two commands for readers (see README): `make lab` and `make test`.
# Both create a local virtual environment in .venv with everything pinned by constraints.txt.
PYTHON ?= python3
SHELL := /bin/bash  # PIPESTATUS in the install recipe
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU build of PyTorch 2.13.0 (on the project's machines pip takes it from a local wheel).
TORCH ?= torch==2.13.0
STAMP := $(VENV)/.installed

export TF_CPP_MIN_LOG_LEVEL := 3
export TF_ENABLE_ONEDNN_OPTS := 0
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: install lab app site book-deps node test portability browser lint bench notebooks constraints clean

install: $(STAMP)

# Everything the series, its tests and its web edition use: the package with its notebooks, torch, test and web
# extras (`pip install lstm-params` alone installs no third-party package).
EXTRAS := notebooks,test,torch,web

$(STAMP): pyproject.toml constraints.txt
	@echo "make: setting up $(VENV) (first run only): lstm-params with its [$(EXTRAS)] extras, versions pinned by"
	@echo "      constraints.txt: TensorFlow/Keras 3, PyTorch (CPU), JupyterLab, matplotlib, Voila, pytest, Playwright."
	@echo "      About 3.7 GB on disk; 2-5 minutes on a fast connection (pip prints a line per package)."
	@start=$$(date +%s); \
	$(PYTHON) -m venv $(VENV) && \
	$(BIN)/python -m pip install --progress-bar off -c constraints.txt "$(TORCH)" -e ".[$(EXTRAS)]" \
	  | grep --line-buffered -E '^(Collecting|Successfully installed)' | cut -c1-100; \
	status=$${PIPESTATUS[0]}; [ "$$status" = 0 ] || exit "$$status"; \
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null && \
	echo "make: $(VENV) is ready ($$(du -sh $(VENV) | cut -f1), $$(( $$(date +%s) - start )) s)"
	@touch $(STAMP)

## make lab: set everything up and open the tutorial in JupyterLab (scripts/lab.py: quiet, --allow-root as root)
lab: install
	$(BIN)/python scripts/lab.py notebooks/

## make app: serve the slider explorer as a web app on 127.0.0.1 (prints the address; PORT=8866 to fix it)
app: install
	$(BIN)/python scripts/serve_app.py

## make site: build the series as a book into _site/ (Sphinx + MyST-NB from the stored outputs, nothing run; MathJax
## and Pyodide from npm, cached in build/cache). Read it with `.venv/bin/python scripts/build_book.py --serve`.
site: install node
	$(BIN)/python scripts/build_book.py --out _site

## make book-deps: download what the book's build needs (npm, PyPI) into build/cache, so a later build (or the
## tests' own build of it) downloads nothing.
book-deps: install node
	$(BIN)/python scripts/build_book.py --fetch-only

## npm (Node.js) fetches the book's MathJax and Pyodide (npm pack); as root it is installed here when missing.
node:
	@if ! command -v npm >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; \
	  else \
	    echo "make site needs npm (Node.js): sudo apt-get install nodejs npm"; exit 1; \
	  fi; \
	fi

## make test: set everything up and run the whole suite (unit, Keras/PyTorch cross-checks, doctests, notebooks,
## browser). The browser tests drive Debian's Chromium; as root it is installed here when missing. The book's
## MathJax, Pyodide and kernel wheels are fetched first (book-deps), so nothing downloads while the tests run.
test: install browser node book-deps
	$(BIN)/python -m pytest

## make portability: the stored outputs must not depend on the machine, so strict nbval passes again with oneDNN
## on and off and with one and two threads (TensorFlow, PyTorch and OpenMP pools); CI runs it after make test.
PORTABILITY := "TF_ENABLE_ONEDNN_OPTS=1 THREADS=1" "TF_ENABLE_ONEDNN_OPTS=1 THREADS=2" "TF_ENABLE_ONEDNN_OPTS=0 THREADS=1"
portability: install
	@for run in $(PORTABILITY); do \
	  eval "$$run"; echo "make portability: strict nbval with TF_ENABLE_ONEDNN_OPTS=$$TF_ENABLE_ONEDNN_OPTS, $$THREADS thread(s)"; \
	  TF_ENABLE_ONEDNN_OPTS=$$TF_ENABLE_ONEDNN_OPTS OMP_NUM_THREADS=$$THREADS MKL_NUM_THREADS=$$THREADS \
	  TF_NUM_INTRAOP_THREADS=$$THREADS TF_NUM_INTEROP_THREADS=$$THREADS \
	  $(BIN)/python -m pytest --nbval notebooks -p no:cacheprovider -q || exit 1; \
	done

CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "The browser tests need Chromium at $(CHROMIUM): sudo apt-get install chromium"; exit 1; \
	  fi; \
	fi

lint: install
	$(BIN)/ruff check lstm_params tests notebooks scripts
	$(BIN)/mypy

## make notebooks: re-execute every notebook in place, top to bottom (after changing one)
notebooks: install
	$(BIN)/python scripts/run_notebooks.py

bench: install
	$(BIN)/python scripts/benchmark.py

constraints: install
	@echo "# Versions the stored notebook outputs and the test suite were produced with." > constraints.txt
	@echo "# \`make\` installs with \`-c constraints.txt\` so a fresh machine gets the same ones." >> constraints.txt
	@echo "# Refresh: make constraints (after upgrading on purpose, then re-run the notebooks)." >> constraints.txt
	$(BIN)/python -m pip freeze --exclude-editable | sed 's/+cpu//' >> constraints.txt

clean:
	rm -rf $(VENV) build _site test-artifacts .pytest_cache .hypothesis
