# Two commands for everyone (see README.md):
#   make lab    set up on first use, then open JupyterLab at notebooks/00_index.ipynb
#   make test   set up on first use, then run the whole test suite
# Setup creates .venv with the pinned versions and installs the project editable.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# JupyterLab refuses to run as root unless told; only add the flag when we are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: setup hub-setup lab test notebooks casebook navigation slides site bench hub hub-load hub-files lock clean

setup: $(STAMP)

$(STAMP): requirements.txt requirements-lock.txt pyproject.toml deploy/jupyterlab/overrides.json
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found %s)" % sys.version.split()[0])'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@# --no-compile: Python compiles a module when it is first imported instead of pip compiling every
	@# file of every package now (measured: 17 s instead of 49 s for the whole install).
	$(PY) -m pip install --quiet --no-compile -r requirements.txt -c requirements-lock.txt
	$(PY) -m pip install --quiet --no-deps -e .
	@# The course's JupyterLab defaults (no news pop-up, no update check), for make lab and the hub's residents.
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp deploy/jupyterlab/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	@# Build matplotlib's font cache now, so its one-off message never lands in a notebook.
	$(PY) -c "import matplotlib.pyplot"
	touch $(STAMP)

# The seminar hub's proxy (configurable-http-proxy, npm, pinned by deploy/hub/package-lock.json).
# Needs Node.js 20 or newer (npm refuses an older one: --engine-strict checks every locked package's
# engines); only the hub targets and the hub's tests use it.
HUB_STAMP := deploy/hub/node_modules/.installed
hub-setup: setup $(HUB_STAMP)

$(HUB_STAMP): deploy/hub/package.json deploy/hub/package-lock.json
	@command -v npm >/dev/null || { echo "The seminar hub needs Node.js 20 or newer with npm (for configurable-http-proxy)." >&2; exit 1; }
	npm ci --prefix deploy/hub --ignore-scripts --no-audit --no-fund --engine-strict --loglevel=error
	touch $(HUB_STAMP)

# axe-core for the accessibility tests (npm, pinned by tests/axe/package-lock.json); make test installs it
# when npm is present (without it, the accessibility tests are skipped, or fail under REQUIRE_BROWSER=1).
AXE_STAMP := tests/axe/node_modules/.installed
$(AXE_STAMP): tests/axe/package.json tests/axe/package-lock.json
	npm ci --prefix tests/axe --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(AXE_STAMP)

# Bound to 127.0.0.1 with JupyterLab's own random token (printed in the terminal).
lab: setup
	$(VENV)/bin/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir="$(CURDIR)" \
		--LabApp.default_url=/lab/tree/notebooks/00_index.ipynb $(ROOT_FLAG)

# With npm present, the hub's proxy and axe-core are installed first, so that the hub's and the accessibility tests run.
test: setup $(if $(shell command -v npm),$(HUB_STAMP) $(AXE_STAMP))
	$(PY) -m pytest $(PYTEST_ARGS)

# Render the casebook (first: the index lists its pages), re-execute every notebook in a fresh kernel and save
# it with its outputs (slide breaks follow them), and record
# which casedata/ the outputs show (notebooks/casedata.sha256: make test and make site say when the data
# changed since). After a deliberate change; then review the diff and commit.
notebooks: setup
	$(PY) -m delivery.casebook
	$(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.record_timing=False \
		--ExecutePreprocessor.timeout=300 notebooks/[0-9][0-9]*_*.ipynb
	$(PY) -m delivery.slides apply notebooks/[0-9][0-9]*_*.ipynb
	$(PY) -m delivery.freshness stamp

# One reference page per case of casedata/cases.csv: delivery/casebook_template.py (a notebook in jupytext text form) executed with
# papermill for each case into notebooks/casebook/<case_id>.ipynb, with its outputs (a case added as
# CSV rows gets its page; pages of cases no longer in the data are removed). Then review and commit.
casebook: setup
	$(PY) -m delivery.casebook
	$(PY) -m delivery.freshness stamp

# Rewrite the previous / index / next links of every notebook from the course map (utils/course.py).
navigation: setup
	$(PY) -m delivery.navigation

# Live seminar slides of one notebook: reveal.js in Voila with working widgets, on 127.0.0.1 with a
# random token (the terminal prints the link; Voila reads it from a private file, never from its
# command line). Nothing is fetched from the network once build/wheels holds the pinned reveal.js
# wheel (the first run downloads it from PyPI). Each open page has a kernel; closing the page frees
# it, a kernel no page uses is freed after 60 s idle, and at most 4 run at once
# (python -m delivery.slides serve --help). Ctrl+C stops it.
#   make slides                                          notebook 06
#   make slides NB=notebooks/02_ihc_interpretation.ipynb PORT=8866
NB ?= notebooks/06_alternative_timelines.ipynb
PORT ?=
slides: setup
	$(PY) -m delivery.slides serve $(NB) $(if $(PORT),--port $(PORT))

# The offline self-study site in site/: every notebook as static HTML with its widgets and
# self-checks, static slides, the guides; scripts and styles from PyPI wheels, no CDN.
site: setup
	@$(PY) -m delivery.freshness warn
	$(PY) -m delivery.site site

# The seminar JupyterHub on 127.0.0.1 (deploy/hub/seminar.toml; README, "A seminar on a JupyterHub").
# Prints the address, the residents' and the admin's passwords, the course link and an admin API
# token, once. Residents' folders stay in build/hub/homes. Ctrl+C stops the hub, the proxy and
# every resident's server.   make hub   |   make hub PORT=8001
hub: hub-setup
	$(PY) -m delivery.hub serve $(if $(PORT),--port $(PORT))

# Load test of the hub (a benchmark, not a test): USERS simulated residents (default 20) at once
# sign in, get a server, pull the course, run notebook 06 and move an explorer; writes build/hub-load.json.
# HUB_LOAD_ARGS="--stagger 5" starts one every 5 s; "--prewarm" has the admin start the servers first.
USERS ?= 20
hub-load: hub-setup
	$(PY) benchmarks/hub_load.py --users $(USERS) $(HUB_LOAD_ARGS)

# Regenerate the TLJH and Zero to JupyterHub files from deploy/hub/seminar.toml (a test checks them).
hub-files: setup
	$(PY) -m delivery.hub_files write

# Re-resolve the full pin set from requirements.txt in a scratch environment.
lock:
	rm -rf build/lock-venv
	$(PYTHON) -m venv build/lock-venv
	build/lock-venv/bin/python -m pip install --quiet -r requirements.txt
	{ echo "# Full pin set (direct and transitive) that CI last passed with, used as pip constraints"; \
	  echo "# by \`make setup\`. Regenerate with \`make lock\` after changing requirements.txt."; \
	  build/lock-venv/bin/python -m pip freeze --exclude pip --exclude setuptools; } > requirements-lock.txt
	rm -rf build/lock-venv

clean:
	rm -rf $(VENV) build site

# Performance benchmark (not a test): prints a table and writes build/bench.json.
bench: setup
	$(PY) benchmarks/bench.py
