# EcoLife: `make run` for a demo server, `make test` for the whole suite.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000
STAMP := $(VENV)/.installed

.PHONY: run test install system-deps test-deps translations lint clean

$(PY):
	python3 -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: system-deps $(STAMP) translations

# Debian packages the project needs: FriBiDi for Thai shaping in Pillow (Raqm).
system-deps:
	@bash scripts/system-deps.sh

# The tests also drive Debian's Chromium with Playwright (pages and the fake camera), run
# PgBouncer (tests/scaling), and check the deployment kit with nginx, Caddy and docker-compose
# (`config` only: no engine; installed without recommends, which would bring docker.io).
test-deps:
	@bash scripts/system-deps.sh libfribidi0 chromium pgbouncer
	@bash scripts/system-deps.sh --no-install-recommends nginx-light caddy docker-compose

translations: $(STAMP)
	@$(VENV)/bin/pybabel compile -d ecolife/translations >/dev/null

# With no DATABASE_URL each command joins the embedded PostgreSQL under instance/pgdata
# (started on first use, stopped when the last command using it exits).
# QR posters and invite links name the port the server really listens on.
run: export PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)
# The worker (imports, posters ZIP, expiry every minute, daily pruning) runs beside the web
# server and stops with it.
run: install
	$(VENV)/bin/ecolife db upgrade
	$(VENV)/bin/ecolife seed-demo --history
	@echo "EcoLife on http://127.0.0.1:$(PORT)  (API docs: /api/docs; links and QR codes: $$PUBLIC_BASE_URL), with a job worker"
	@$(VENV)/bin/ecolife worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(VENV)/bin/ecolife run --host 127.0.0.1 --port $(PORT)

# On the embedded PostgreSQL under instance/test-pgdata, or TEST_DATABASE_URL's server.
test: install test-deps
	$(VENV)/bin/ruff check .
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache
