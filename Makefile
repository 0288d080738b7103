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
# papermill runs a copy without any cell it injected earlier (it would keep such a cell when given no parameters).
NOTEBOOK ?= main.ipynb
RUN_INPUT = $(dir $(NOTEBOOK)).$(basename $(notdir $(NOTEBOOK))).input.ipynb
RUN_OUTPUT = $(dir $(NOTEBOOK)).$(basename $(notdir $(NOTEBOOK))).run.ipynb
run: install
	$(BIN)/python -c "import helpers; helpers.study.prepare_notebook_run('$(NOTEBOOK)', '$(RUN_INPUT)')"
	$(BIN)/papermill $(RUN_INPUT) $(RUN_OUTPUT) --log-output --progress-bar $(NOTEBOOK_PARAMS); \
	  status=$$?; rm -f $(RUN_INPUT); exit $$status
	$(BIN)/python -c "import helpers; helpers.study.finish_notebook_run('$(RUN_OUTPUT)', '$(NOTEBOOK)', 'README.md')"

# Runs the notebook for several seeds (default 10-14, which chose no setting; every model trained afresh) and
# writes results/benchmark.json and the README's benchmark table; e.g. BENCH_ARGS="--seeds 10 11".
BENCH_ARGS ?=
bench: install
	$(BIN)/python benchmark.py $(BENCH_ARGS)

# Opens the notebook in JupyterLab, with this project's environment as the kernel. As root (containers) Jupyter needs
# --allow-root; without a display it opens no browser and prints the address to open, with its token.
# e.g. LAB_ARGS="--port 8890 --ip 0.0.0.0" to serve another port or other machines.
LAB_ARGS ?=
LAB_FLAGS = $(if $(filter 0,$(shell id -u)),--allow-root) $(if $(DISPLAY)$(WAYLAND_DISPLAY),,--no-browser)
lab: install
	$(BIN)/jupyter lab $(LAB_FLAGS) $(LAB_ARGS) $(NOTEBOOK)

# Regenerates the LaTeX tables and macros from results.json and builds report/main.pdf.
report: report-deps $(BIN)/.installed
	$(MAKE) -C report PYTHON=$(abspath $(BIN)/python)

test: install report-deps
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .main.run.ipynb .main.input.ipynb .staging quick-run
