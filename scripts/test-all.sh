#!/usr/bin/env bash
# Install everything the tests need on a fresh Debian machine (Python 3.11, Node 20, root,
# package registries only), then run every check: ruff, pytest, prettier + eslint, jest,
# and the Galata UI tests in Debian's Chromium. Python packages go into ./.venv so the run
# depends on nothing installed by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s ===\n' "$*"; }

CHROMIUM="${FILEGLANCER_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  step "installing Chromium from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
fi

step "installing fileglancer-ext with its test extras into .venv"
[ -x .venv/bin/python ] || python3 -m venv .venv
export PATH="$PWD/.venv/bin:$PATH"
export PIP_DISABLE_PIP_VERSION_CHECK=1
python -m pip install -q -e ".[test]"
jupyter labextension develop --overwrite . >/dev/null
# Both halves must be installed and enabled. (Capture first: `grep -q` closing the pipe
# early would make the lister fail under pipefail.)
server_extensions=$(jupyter server extension list 2>&1)
lab_extensions=$(jupyter labextension list 2>&1)
grep -q "fileglancer_ext.*enabled" <<<"$server_extensions"
grep -q "fileglancer-ext.*enabled.*OK" <<<"$lab_extensions"

step "ruff"
ruff check .
ruff format --check .

step "PostgreSQL for the link-store tests"
# Installs and starts Debian's postgresql when needed; an exported URL is used as is.
FILEGLANCER_TEST_POSTGRES_URL="${FILEGLANCER_TEST_POSTGRES_URL:-$(scripts/start-test-postgres.sh)}"
export FILEGLANCER_TEST_POSTGRES_URL

step "pytest"
python -m pytest

step "prettier, eslint, jest"
jlpm install
jlpm lint:check
jlpm test

step "Galata UI tests in Chromium"
cd ui-tests
jlpm install
CI="${CI:-true}" jlpm playwright test
