# The README's two commands: `make demo` and `make test`. Both set everything up first.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard server/translations/*/LC_MESSAGES/messages.po))

.PHONY: setup demo test lint bench apk clean

setup: $(STAMP) $(CATALOGUES)

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all]'
	@touch $@

# The pages' translations, compiled from the catalogues kept in git.
%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

demo: setup
	$(BIN)/petasinyal demo

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

bench: setup
	$(BIN)/python -m benchmarks

# The phone's APK (buildozer 1.6.0 and JDK 17 on Linux; downloads the Android SDK and NDK).
# The APK holds only mobile/: the phone's part of analysis (standard library only) goes with it.
apk:
	mkdir -p mobile/analysis
	cp analysis/__init__.py analysis/schema.py analysis/classes.py mobile/analysis/
	cd mobile && buildozer android debug

clean:
	rm -rf $(VENV) demo-output .pytest_cache .mypy_cache .ruff_cache
