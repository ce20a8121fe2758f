# Wegweiser: `make run` and `make test` work on a fresh clone; see README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# checkov pins its own boto3 and an old packaging (pytest 9 needs a newer one), so it has a
# virtualenv of its own, with the version in pyproject.toml's "scan" list.
SCAN := $(VENV)/scan
SCAN_INSTALLED := $(SCAN)/.installed
CATALOGS := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/messages.po))
BABEL_KEYWORDS := -k N_ -k translate:2

CHROMIUM := /usr/bin/chromium

.PHONY: run test lint load catalogs extract clean package bench mutation release

run: $(INSTALLED) catalogs
	$(BIN)/python -m devstack

# 1,000 submissions at concurrency 16 against the local runner; see README.md, "Load test".
load: $(INSTALLED) catalogs
	$(BIN)/python -m devstack.load

# Speed, memory and size beside a floor measured in the same run; see README.md, "Performance".
# The cold rows measure what a packaged container loads: the compiled templates and the
# checked routing's snapshot, made here for the dev stage the bench runs as.
bench: $(INSTALLED) catalogs
	$(BIN)/wegweiser check --stage dev --snapshot
	$(BIN)/python -c 'from chalicelib.core.templating import compile_templates; compile_templates()'
	$(BIN)/python -m bench

# How strong the unit tests are: mutmut mutates chalicelib/core ([tool.mutmut] in
# pyproject.toml) and runs tests/unit against every mutant, from scratch each time; one
# line says how many were killed. About 3 minutes on two cores: not part of make test.
mutation: $(INSTALLED) catalogs
	$(BIN)/python -m bench.mutation_summary

# Two workers (pytest-xdist): the end-to-end and browser tests share one of them, so they
# share one `make run` stack and one Chromium; the unit and functional tests spread over both.
test: $(INSTALLED) catalogs $(CHROMIUM)
	$(BIN)/pytest -n 2 --dist loadgroup

# The browser tests drive Debian's Chromium (Playwright's own download cannot work here);
# Noto fonts so that Arabic and Persian screenshots show letters, not boxes.
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core; \
	else \
	  echo "The browser tests need Debian's chromium: sudo apt-get install chromium fonts-noto-core"; exit 1; \
	fi

# The deployment package for a stage: the routing config is checked first, so a broken
# one is never packaged. `make package STAGE=prod` writes build/prod/{deployment.zip,sam.json}.
STAGE ?= dev

package: $(INSTALLED) catalogs
	$(BIN)/wegweiser check --stage $(STAGE) --snapshot
	$(BIN)/python -c 'from chalicelib.core.templating import compile_templates; compile_templates()'
	rm -rf build/$(STAGE) && AWS_DEFAULT_REGION=eu-central-1 $(BIN)/chalice package \
	  --stage $(STAGE) --merge-template .chalice/resources.json build/$(STAGE)

# The go-live gate: the package, then a refusal (exit 1, naming each one) while routing.toml's
# [privacy] or [accessibility] still holds a value marked "PLACEHOLDER:". CI never calls it;
# see README.md, "Before going live".
release: package
	$(BIN)/wegweiser check --stage $(STAGE) --release

# checkov: every finding is fixed or skipped in .chalice/resources.json with its reason, so
# a new one fails; bandit: clean, or each finding explained where it is (# nosec with why).
lint: $(INSTALLED) $(SCAN_INSTALLED) catalogs
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/wegweiser check
	$(MAKE) --no-print-directory package STAGE=dev
	$(MAKE) --no-print-directory package STAGE=prod
	$(BIN)/cfn-lint build/dev/sam.json build/prod/sam.json
	$(SCAN)/bin/checkov -f build/prod/sam.json --framework cloudformation --skip-download \
	  --compact --quiet
	$(BIN)/bandit -q -r app.py chalicelib

$(INSTALLED): pyproject.toml requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

$(SCAN_INSTALLED): pyproject.toml
	test -x $(SCAN)/bin/python || $(PYTHON) -m venv $(SCAN)
	$(SCAN)/bin/pip install --quiet $$($(SCAN)/bin/python -c 'import tomllib; \
	  print(*tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["scan"])')
	touch $@

# The compiled catalogs (.mo) are built from the translators' .po files, never committed.
catalogs: $(CATALOGS)

locale/%/LC_MESSAGES/messages.mo: locale/%/LC_MESSAGES/messages.po | $(INSTALLED)
	$(BIN)/pybabel compile -i $< -o $@ -l $*

# After changing a text in code or templates: refresh the template and every catalog.
extract: $(INSTALLED)
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --no-location --sort-output \
	  --project=Wegweiser --copyright-holder="Wegweiser contributors" -o locale/messages.pot .
	$(BIN)/pybabel update -i locale/messages.pot -d locale --ignore-obsolete -w 100

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache mutants $(CATALOGS) templates/compiled \
	  chalicelib/routing.snapshot
