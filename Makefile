# One command to run LeadHub with demo data, one to run every test; both set up what is
# missing first (virtualenv, packages, bun, Chromium) and are safe to run again.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Extra pytest arguments, e.g. make test PYTEST_ARGS="-m \"not e2e\" -x"
PYTEST_ARGS ?=

.PHONY: help setup run prod test

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup: ## Set up .venv, packages, bun and Chromium, doing only what is missing
	@bash scripts/bootstrap.sh --browser

run: ## Migrate, seed the demo team once, serve the production build on http://127.0.0.1:3000 with the notification worker
	@bash scripts/run.sh

prod: ## Production set-up on this machine: PostgreSQL + Redis, migrations once, several app and worker processes (README: Production)
	@bash scripts/prod.sh

test: ## Run the whole test suite (unit, SQLite/PostgreSQL, e2e in headless Chromium)
	@bash scripts/test.sh $(PYTEST_ARGS)
