# Two commands: `make run` (set up, migrate, load the demo, serve) and `make test` (set up, check, test).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HTMX := portal/web/static/vendor/htmx.min.js
PDFS := content/council/pdf/.generated

.PHONY: setup run test test-services lint typecheck bench clean demo-db messages

setup: $(VENV)/.installed $(HTMX) $(PDFS)

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(HTMX): node_modules/.installed
	@mkdir -p $(dir $@)
	cp node_modules/htmx.org/dist/htmx.min.js $@

$(PDFS): $(VENV)/.installed $(wildcard content/council/*.md content/council/pdf-sources/*.md) $(wildcard portal/council/pdfgen.py)
	@if [ -f portal/council/pdfgen.py ]; then $(BIN)/python -m portal.council.pdfgen; fi
	@mkdir -p $(dir $@) && touch $@

run: setup
	PORTAL_DEMO=1 $(BIN)/portal db upgrade
	PORTAL_DEMO=1 $(BIN)/portal demo load
	PORTAL_DEMO=1 PORTAL_RUN_SCHEDULER=1 PORTAL_BASE_URL=$${PORTAL_BASE_URL:-http://127.0.0.1:$(PORT)} \
	  $(BIN)/portal serve --port $(PORT)

lint: setup
	$(BIN)/ruff check portal tests bench
	$(BIN)/ruff format --check portal tests bench

typecheck: setup
	$(BIN)/mypy portal

test: setup lint typecheck test-services
	$(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

# Services the tests start themselves: the OpenID Provider (panva's oidc-provider from npm, run by
# Node) that FranceConnect/ProConnect sign-in is tested against (tests/oidc/provider.mjs).
test-services: node_modules/.installed
	@node -e "import('oidc-provider').then(() => process.exit(0), () => process.exit(1))" || \
	  { echo "the tests need Node.js >= 20 and oidc-provider from package-lock.json (npm ci)"; exit 1; }

bench: setup
	@command -v wrk >/dev/null 2>&1 || { echo "make bench needs wrk (HTTP load): installing Debian's package"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null || { echo "install it with: sudo apt-get install wrk"; exit 1; }; }
	PORTAL_BENCH_POSTGRES_URL=$${PORTAL_BENCH_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test} \
	  $(BIN)/python -m bench.run $(BENCH)

messages: setup
	@mkdir -p var
	$(BIN)/pybabel extract -F babel.cfg -k N_ -o var/messages.pot .
	$(BIN)/pybabel update -i var/messages.pot -d portal/web/locale -l en --no-fuzzy-matching

clean:
	rm -rf $(VENV) node_modules portal/web/static/vendor content/council/pdf var/test-*
