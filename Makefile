# The two commands of the README: `make run` and `make test`. Both set up what they need,
# installing exactly the locked packages of requirements/ (README: "Dependencies: the lock").
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# A stamp per lock: installed once, again when the lock or setup.py changes.
stamp   = $(VENV)/.installed-$(1)-$(shell cat requirements/$(1).txt setup.py | cksum | cut -d' ' -f1)
RUN_STAMP  := $(call stamp,run)
TEST_STAMP := $(call stamp,test)
VENDOR := portal/static/vendor
ASSETS := $(VENDOR)/.copied-$(shell cksum package-lock.json | cut -d' ' -f1)
# The studio's own JavaScript, bundled from npm packages: each worklists/studio/js/*.js whose
# name does not start with "_" is an entry (the rest are imported by them).
STUDIO_SRC     := $(shell find worklists/studio/js -type f 2>/dev/null | LC_ALL=C sort)
STUDIO_ENTRIES := $(filter-out worklists/studio/js/_%,$(wildcard worklists/studio/js/*.js))
STUDIO := $(VENDOR)/studio/.built-$(shell cat package-lock.json Makefile $(STUDIO_SRC) | cksum | cut -d' ' -f1)
HOST   ?= 127.0.0.1
PORT   ?= 5000
# The tests create (and drop) their own database on this server; unreachable = those tests skip.
export TRAMITES_TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/postgres

# The suite on two pytest-xdist workers, one per core of the CI machine; a module's tests stay on
# one worker (tests/fixtures/parallel.py). PYTEST_ARGS come after, so `make test PYTEST_ARGS="-n 0"`
# runs it serially in this process, and `-n 3` on three workers.
PYTEST_PARALLEL ?= -n 2 --dist loadgroup

.PHONY: run test lint bench install venv assets lock clean

run: $(RUN_STAMP) $(ASSETS) $(STUDIO)
	$(BIN)/tramites init --host $(HOST) --port $(PORT)
	$(BIN)/tramites cifras demo
	$(BIN)/tramites serve --host $(HOST) --port $(PORT)

test: $(TEST_STAMP) $(ASSETS) $(STUDIO) lint
	$(BIN)/pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(TEST_STAMP) $(ASSETS) $(STUDIO)
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

install: $(RUN_STAMP) $(ASSETS) $(STUDIO)

# The venv that running needs (the runtime lock), without the npm assets.
venv: $(RUN_STAMP)

assets: $(ASSETS) $(STUDIO)

# Hash-checked, no resolution at install time: the lock already names every package.
define install_lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing requirements/$(1).txt, sha256 $$(sha256sum requirements/$(1).txt | cut -d' ' -f1)"
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements/$(1).txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/pip check
	rm -f $(VENV)/.installed-$(1)-*
	touch $@
endef

$(RUN_STAMP): requirements/run.txt setup.py
	$(call install_lock,run)

$(TEST_STAMP): requirements/test.txt setup.py
	$(call install_lock,test)

# Refresh the locks to today's releases; they are kept only if `make test` passes on them.
LOCK_TOOLS := $(VENV)-lock/.installed-$(shell cksum requirements/lock-tools.txt | cut -d' ' -f1)

lock: $(LOCK_TOOLS)
	$(VENV)-lock/bin/python requirements/refresh.py

$(LOCK_TOOLS): requirements/lock-tools.txt
	test -x $(VENV)-lock/bin/python || $(PYTHON) -m venv $(VENV)-lock
	$(VENV)-lock/bin/pip install --quiet --require-hashes --no-deps -r requirements/lock-tools.txt
	rm -f $(VENV)-lock/.installed-*
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
	rm -rf $(VENV) $(VENV)-lock node_modules $(VENDOR) .pytest_cache .mypy_cache .ruff_cache

# One minified IIFE (and its CSS, with the fonts beside it) per entry; no CDN, no inline script.
$(STUDIO): $(ASSETS) $(STUDIO_SRC)
	rm -rf $(VENDOR)/studio && mkdir -p $(VENDOR)/studio
	$(if $(STUDIO_ENTRIES),node_modules/.bin/esbuild $(STUDIO_ENTRIES) --bundle --minify --format=iife \
		--target=es2020 --outdir=$(VENDOR)/studio --log-level=warning --legal-comments=external \
		--loader:.woff=file --loader:.woff2=file --loader:.eot=file --loader:.ttf=file --loader:.svg=file)
	touch $@
