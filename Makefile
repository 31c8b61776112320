# One command per task; each creates .venv (pinned by requirements.lock) when missing.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/seeds dbt_project/tests -type f 2>/dev/null) dbt_project/dbt_project.yml dbt_project/profiles.yml

export DAGSTER_HOME := $(CURDIR)/.dagster_home

# ENGINE=spark runs the same job on Spark (a Java runtime needed; see docs/spark.md).
ifdef ENGINE
export SEGMENTATION_ENGINE := $(ENGINE)
endif

WAREHOUSE := $(or $(SEGMENTATION_WAREHOUSE),data/warehouse.duckdb)
DAY_ARG := $(if $(DAY),--day $(DAY))

.PHONY: setup run daily sql test dev serve lint bench lock clean

setup: $(MANIFEST)

$(INSTALLED): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

# dagster-dbt reads the manifest when the definitions are imported.
$(MANIFEST): $(INSTALLED) $(DBT_SOURCES)
	cd dbt_project && ../$(BIN)/dbt parse --quiet --profiles-dir . --project-dir .
	touch $@

# The instance configuration: run monitoring marks runs whose process died as failed.
$(DAGSTER_HOME)/dagster.yaml: pipelines/dagster.yaml
	mkdir -p $(DAGSTER_HOME) && cp $< $@

run: setup $(DAGSTER_HOME)/dagster.yaml  ## generate the default data and run the daily pipeline (DAY=..., ENGINE=spark)
	$(BIN)/python -m pipelines.run --generate $(DAY_ARG)

daily: setup $(DAGSTER_HOME)/dagster.yaml  ## run the daily pipeline on the landing data as it is (DAY=...)
	$(BIN)/python -m pipelines.run $(DAY_ARG)

sql: $(INSTALLED)  ## an interactive SQL shell on the warehouse, read-only
	$(BIN)/duckdb -readonly $(WAREHOUSE)

test: setup  ## the definitions load (dg check defs), then the whole test suite (and its slowest tests)
	$(BIN)/dg check defs
	$(BIN)/pytest --durations=40

dev: setup $(DAGSTER_HOME)/dagster.yaml  ## the Dagster UI on http://127.0.0.1:3000
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

serve: $(INSTALLED)  ## the HTTP API on http://127.0.0.1:$${SEGMENTATION_API_PORT:-8000} (OpenAPI at /docs)
	$(BIN)/python -m serving

lint: setup  ## ruff on the Python, sqlfluff (dbt templater) on the models
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd dbt_project && ../$(BIN)/sqlfluff lint models tests

bench: setup  ## the daily job at SCALE=1M (3M, 10M) contacts: time and memory per part, beside lower bounds
	$(BIN)/python -m benchmarks --scale $(or $(SCALE),1M)

lock:  ## re-resolve pyproject.toml into requirements.lock
	rm -rf /tmp/segmentation-lock-venv && $(PYTHON) -m venv /tmp/segmentation-lock-venv
	/tmp/segmentation-lock-venv/bin/pip install --quiet ".[pipeline,serving,spark,dev]"
	/tmp/segmentation-lock-venv/bin/pip freeze --exclude customer-segmentation-engine > requirements.lock

clean:
	rm -rf $(VENV) data .dagster_home dbt_project/target dbt_project/logs .pytest_cache .ruff_cache .hypothesis
