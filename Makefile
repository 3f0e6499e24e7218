# The two commands of the README:
#   make up    install (from requirements.lock) and start the whole product with demo data
#   make test  install (incl. test-only system packages), type-check (mypy) and run the full test suite
.PHONY: up test bench lint lock

up:
	@scripts/bootstrap.sh
	@.venv/bin/reform up

test:
	@scripts/bootstrap.sh --dev
	@.venv/bin/python -m mypy models flows ui
	@.venv/bin/python -m pytest -q

bench:
	@scripts/bootstrap.sh
	@.venv/bin/reform bench

lint:
	@.venv/bin/ruff check models flows ui tests benchmarks

# Re-resolve and pin the whole environment after changing pyproject.toml
lock:
	@.venv/bin/pip freeze --exclude-editable | grep -v '^reform-tracker' > requirements.lock
