# The few commands people run. `make lab` and `make test` are the README's quick start.
PYTHON ?= python3.11
VENV   ?= .venv
BIN     = $(VENV)/bin
PORT   ?= 8866
# Jupyter refuses to start as root (containers, CI, cloud shells) without this flag.
AS_ROOT = $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: lab test test-quick site colab-twin colab-drift voila lint format notebooks-sync bench clean

$(BIN)/activate: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(BIN)/activate

## Set up and open the series in JupyterLab at the start notebook.
lab: $(BIN)/activate
	$(BIN)/jupyter lab $(AS_ROOT) notebooks/00_start_here.ipynb

## Set up and run every test: unit tests, ruff, nbval over every notebook, browser tests.
## The website is built first: its build must pass even where no browser can test it.
test: site
	$(BIN)/python -m pytest

## The quick tests only (seconds): no notebooks, no browser, nothing slow.
test-quick: $(BIN)/activate
	$(BIN)/python -m pytest tests -m "not slow and not browser"

## Build the website into build/site/ (open build/site/index.html) from the stored notebooks,
## which are not re-run. Offline once MathJax is cached (the first build fetches it with npm).
site: $(BIN)/activate
	$(BIN)/python site/build_site.py

## The Colab twin alone: Colab's versions, the bootstrap install, every notebook and explorer.
colab-twin: $(BIN)/activate
	$(BIN)/python -m pytest tests/test_colab_twin.py

## Drift watch: the twin built from colab/pip-freeze.latest.txt (README: Colab).
colab-drift: $(BIN)/activate
	$(BIN)/python tools/colab_drift.py

## Serve the code-free playground with Voila.
voila: $(BIN)/activate
	$(BIN)/voila notebooks/playground.ipynb --port=$(PORT)

lint: $(BIN)/activate
	$(BIN)/ruff check .
	$(BIN)/ruff format --check scoreedu tests benchmarks tools site

format: $(BIN)/activate
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format scoreedu tests benchmarks tools site

## Re-stamp the Colab bootstrap cell and navigation links into every notebook.
notebooks-sync: $(BIN)/activate
	$(BIN)/python tools/notebook_frame.py

bench: $(BIN)/activate
	for script in benchmarks/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts build
