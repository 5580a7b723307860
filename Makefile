# Two commands do all the set-up on a fresh machine (Python 3.11+, Node/npm):
#   make demo   - the main demo on the embedded devchain
#   make test   - the static checks (make check) and the whole test suite (what .ci/run runs)
# Both create .venv and install the project into it on first use (and again when a pyproject.toml changes), with
# the ape plugin (plugins/ape-hemi: a distribution of its own, since ape loads plugins only from `ape-*` ones).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test check chromium bench install clean

$(STAMP): pyproject.toml plugins/ape-hemi/pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "hemi-sdk needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,ape]" -e plugins/ape-hemi
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/hemi demo

# the static checks (docs/contributing.md): ruff, mypy, import-linter's layer contracts, the architecture rules
check: $(STAMP)
	$(VENV)/bin/ruff check sdk plugins tests benchmarks examples
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(PY) tests/architecture_rules.py

CHROMIUM ?= /usr/bin/chromium
# the explorer page test drives Debian's chromium (tests/server/test_explorer_page.py); installed only when missing and
# only as root with apt (CI); otherwise that test skips, saying how to install it
chromium:
	@if [ ! -x "$(CHROMIUM)" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium (apt-get) for the explorer page test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

test: check chromium
	$(PY) -m pytest -q -n auto --dist loadfile

# the performance targets (benchmarks/README.md); each script exits 1 on a missed target ('-': the next one still runs)
bench: $(STAMP)
	$(PY) benchmarks/btc_chain.py
	-$(PY) benchmarks/devchain.py --n 100 --repeat 3
	-$(PY) benchmarks/server_http.py --n 100 --repeat 3
	-$(PY) benchmarks/snapshot_revert.py
	-$(PY) benchmarks/node_utxo_query.py
	-$(PY) benchmarks/cold_start.py
	-$(PY) benchmarks/memory_per_block.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
