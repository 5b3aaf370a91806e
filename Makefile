# The two everyday commands: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Development defaults; production sets its own environment (see .env.example).
export DJANGO_DEBUG ?= true
# `make run PORT=8050` serves on another port; links in emails, previews and feeds follow it.
PORT ?= 8000
export SITE_URL ?= http://127.0.0.1:$(PORT)
APT := apt-get -o DPkg::Lock::Timeout=300
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test venv dev-deps browser lint format check-deploy clean

# Reinstalled only when a requirements file changes.
$(BIN)/.installed-runtime: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed-runtime requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(BIN)/.installed-runtime

dev-deps: $(BIN)/.installed-dev

run: venv
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py ensure_admin
	@echo ""
	@echo "  Site:  $(SITE_URL)/"
	@echo "  Admin: $(SITE_URL)/admin/  (credentials above, or in .admin-credentials)"
	@echo ""
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Debian's Chromium for the browser tests (Playwright's own browser download cannot work here),
# and axe-core from npm for the accessibility scans.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		$(SUDO) $(APT) update && $(SUDO) $(APT) install -y chromium; fi
	@if ! command -v npm >/dev/null; then \
		$(SUDO) $(APT) update && $(SUDO) $(APT) install -y nodejs npm; fi
	@if [ ! -f node_modules/axe-core/axe.min.js ]; then npm ci --no-audit --no-fund --silent; fi

test: dev-deps browser
	$(BIN)/pytest $(PYTEST_ARGS)

lint: dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: dev-deps
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) node_modules staticfiles test-artifacts .pytest_cache .ruff_cache
