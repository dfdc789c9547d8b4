# The two commands of the README: `make run` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum setup.py | cut -d' ' -f1)
VENDOR := portal/static/vendor
ASSETS := $(VENDOR)/.copied-$(shell cksum package-lock.json | cut -d' ' -f1)
HOST   ?= 127.0.0.1
PORT   ?= 5000
# The tests create (and drop) their own database on this server; unreachable = those tests skip.
export TRAMITES_TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/postgres

.PHONY: run test lint bench install assets clean

run: $(STAMP) $(ASSETS)
	$(BIN)/tramites init
	$(BIN)/tramites serve --host $(HOST) --port $(PORT)

test: $(STAMP) $(ASSETS) lint
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP) $(ASSETS)
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

install: $(STAMP) $(ASSETS)

assets: $(ASSETS)

$(STAMP): setup.py
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

# Third-party front-end code comes from the npm registry (package-lock.json) and is copied
# into a git-ignored folder; none of it is committed.
$(ASSETS): package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/bpmn-js $(VENDOR)/dmn-js $(VENDOR)/leaflet
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	cp node_modules/axe-core/axe.min.js $(VENDOR)/
	cp -r node_modules/bpmn-js/dist/*.production.min.js node_modules/bpmn-js/dist/assets $(VENDOR)/bpmn-js/
	cp -r node_modules/dmn-js/dist/*.production.min.js node_modules/dmn-js/dist/assets $(VENDOR)/dmn-js/
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images $(VENDOR)/leaflet/
	touch $@

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache .mypy_cache .ruff_cache
