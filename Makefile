# The two commands a newcomer needs: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Uploads parse inside the request: give them the parse limit (PARSE_TIME_LIMIT_S) and a margin.
REQUEST_TIMEOUT_S ?= 360
export DJANGO_SETTINGS_MODULE ?= config.settings.dev

.PHONY: run test lint bench venv migrate demo clean

$(VENV)/.installed: requirements/base.txt requirements/dev.txt requirements/prod.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt
	touch $@

venv: $(VENV)/.installed

migrate: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

demo: migrate
	$(PY) manage.py seed_demo

run: demo
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo ""
	@echo "  Pages:     http://127.0.0.1:$(PORT)/"
	@echo "  API docs:  http://127.0.0.1:$(PORT)/api/docs/  (ReDoc: /api/redoc/, schema: /api/schema/)"
	@echo "  Admin:     http://127.0.0.1:$(PORT)/admin/"
	@echo "  Demo logins are printed above by seed_demo."
	@echo ""
	$(PY) -m config.serve --port $(PORT) --request-timeout $(REQUEST_TIMEOUT_S)

test: venv
	DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null
	DJANGO_SETTINGS_MODULE=config.settings.prod SECRET_KEY=lint-only-$$(date +%s)-not-a-real-secret-key-0123456789abcdefghij \
	  ALLOWED_HOSTS=example.com $(PY) manage.py check --deploy --fail-level WARNING

bench: venv
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m tests.benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var db.sqlite3*
