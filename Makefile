# Two commands do everything on a fresh Debian/Ubuntu machine with Python 3.11:
#   make run    install, then execute main.ipynb top to bottom (figures, results.json)
#   make test   install, then run the test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEBIAN_PACKAGES := dataset-fashion-mnist
# The report's build (and its tests): LaTeX, and pdftotext to read the PDF back.
REPORT_PACKAGES := latexmk texlive-latex-base texlive-latex-recommended texlive-fonts-recommended poppler-utils
NOTEBOOK_PARAMS ?=

.PHONY: install system-deps report-deps run bench lab report test clean

install: system-deps $(BIN)/.installed

# Debian packages: only installed when missing, so no root is needed after the first time.
system-deps report-deps: PACKAGES = $(if $(filter report-deps,$@),$(REPORT_PACKAGES),$(DEBIAN_PACKAGES))
system-deps report-deps:
	@missing=$$(for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages: $$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(BIN)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

# Executes into a temporary file first, so a failed run never overwrites main.ipynb; the notebook itself publishes
# its results and figures only once every cell has succeeded. A full run then replaces main.ipynb and the README's
# results table; a QUICK run (or one given OUTPUT_DIR) leaves them alone and keeps its notebook beside its outputs
# (quick-run/ by default).
run: install
	$(BIN)/papermill main.ipynb .main.run.ipynb --log-output --progress-bar $(NOTEBOOK_PARAMS)
	$(BIN)/python -c "import helpers; helpers.finish_notebook_run('.main.run.ipynb', 'main.ipynb', 'README.md')"

# Runs the notebook for several seeds (default 10-14, which chose no setting; every model trained afresh) and
# writes results/benchmark.json and the README's benchmark table; e.g. BENCH_ARGS="--seeds 10 11".
BENCH_ARGS ?=
bench: install
	$(BIN)/python benchmark.py $(BENCH_ARGS)

# Opens the notebook in JupyterLab, with this project's environment as the kernel.
lab: install
	$(BIN)/jupyter lab main.ipynb

# Regenerates the LaTeX tables and macros from results.json and builds report/main.pdf.
report: report-deps $(BIN)/.installed
	$(MAKE) -C report PYTHON=$(abspath $(BIN)/python)

test: install report-deps
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .main.run.ipynb .staging quick-run
