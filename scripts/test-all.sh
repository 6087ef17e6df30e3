#!/usr/bin/env bash
# Install everything the tests need on a fresh Debian machine (Python 3.11, Node 20, root,
# package registries only), then run every check: ruff, pytest, prettier + eslint, jest,
# and the Galata UI tests in Debian's Chromium. Python packages go into ./.venv so the run
# depends on nothing installed by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s ===\n' "$*"; }

# Whatever this run started or opened, it stops or closes again, also when a step fails.
PG_STARTED_FILE=$(mktemp)
OPENED_DIRS=()  # "mode path" of folders this run let the test user traverse
finish() {
  local status=$?
  if [ -s "$PG_STARTED_FILE" ]; then
    step "stopping the PostgreSQL this run started"
    # shellcheck disable=SC2046  # "<version> <cluster>"
    pg_ctlcluster $(cat "$PG_STARTED_FILE") stop || status=1
  fi
  rm -f "$PG_STARTED_FILE"
  local entry
  for entry in "${OPENED_DIRS[@]}"; do
    chmod "${entry%% *}" "${entry#* }" || status=1
  done
  exit "$status"
}
trap finish EXIT

# Let `user` reach `path`: give others the search (x) bit on each folder above it that
# lacks it (e.g. /root, 0700, above pyenv's Python), restored at exit. Nothing is made
# writable, and no folder listable that was not.
open_path_for() {
  local user=$1 dir
  dir=$(dirname "$(readlink -f "$2")")
  while [ "$dir" != / ]; do
    if ! runuser -u "$user" -- test -x "$dir"; then
      OPENED_DIRS+=("$(stat -c %a "$dir") $dir")
      chmod o+x "$dir"
    fi
    dir=$(dirname "$dir")
  done
}

# The tests that need file permissions to apply, as an ordinary user (`-m unprivileged`, and
# the modules that check more when not root). CI runs as root, who reads and writes
# everything: there they run a second time as FILEGLANCER_TEST_USER (made if missing), with
# the checkout and .venv readable but not writable to it.
run_unprivileged_tests() {
  if [ "$(id -u)" -ne 0 ]; then
    python -m pytest -p no:cacheprovider -m unprivileged tests
    return
  fi
  local files
  files=$(grep -rlE --include='test_*.py' 'os\.geteuid\(\) != 0' tests | sort)
  local user="${FILEGLANCER_TEST_USER:-fileglancer-test}"
  if ! id -u "$user" >/dev/null 2>&1; then
    useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "$user"
  fi
  local python
  python=$(command -v python)
  open_path_for "$user" "$(readlink -f "$python")"
  open_path_for "$user" "$PWD/tests"
  # Readable, never writable: add o+r (and o+x on folders and executables) where missing.
  find . \( -name node_modules -o -name .git \) -prune -o ! -perm -o+r -exec chmod o+rX {} +
  local home
  home=$(mktemp -d)
  chown "$user:" "$home"
  runuser -u "$user" -- test ! -w "$PWD/pyproject.toml"
  local as_user=(runuser -u "$user" -- env -i PATH="$PATH" HOME="$home" LANG=C.UTF-8
    CI="${CI:-true}" PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$PWD"
    FILEGLANCER_TEST_POSTGRES_URL="${FILEGLANCER_TEST_POSTGRES_URL:-}")
  "${as_user[@]}" python -c 'import os, sys; sys.exit(os.geteuid() == 0)'
  "${as_user[@]}" python -m pytest -p no:cacheprovider -m unprivileged tests
  # shellcheck disable=SC2086  # one word per file
  "${as_user[@]}" python -m pytest -p no:cacheprovider $files
  rm -rf "$home"
}

CHROMIUM="${FILEGLANCER_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  step "installing Chromium from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
fi
if ! command -v nginx >/dev/null; then
  step "installing nginx from Debian (the link server behind nginx: tests/links/test_nginx_accel.py, test_nginx_cached.py)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx
fi
# setfacl for the link service's permission tests (ACLs); useradd and runuser for the hub
# test's Unix users.
if ! command -v setfacl >/dev/null || ! command -v useradd >/dev/null; then
  step "installing acl and passwd from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends acl passwd
fi

step "installing fileglancer-ext with its test extras into .venv"
[ -x .venv/bin/python ] || python3 -m venv .venv
export PATH="$PWD/.venv/bin:$PATH"
export PIP_DISABLE_PIP_VERSION_CHECK=1
python -m pip install -q -e ".[test]"
jupyter-builder develop --overwrite . >/dev/null  # replaces `jupyter labextension develop`
# Both halves must be installed and enabled. (Capture first: `grep -q` closing the pipe
# early would make the lister fail under pipefail.)
server_extensions=$(jupyter server extension list 2>&1)
lab_extensions=$(jupyter labextension list 2>&1)
grep -q "fileglancer_ext.*enabled" <<<"$server_extensions"
grep -q "fileglancer-ext.*enabled.*OK" <<<"$lab_extensions"

step "ruff"
ruff check .
ruff format --check .

step "node packages (configurable-http-proxy for the hub test, the linters, jest)"
jlpm install

step "PostgreSQL for the link-store tests"
# Installs and starts Debian's postgresql when needed (and then stops it at the end); an
# exported URL is used as is.
if [ -z "${FILEGLANCER_TEST_POSTGRES_URL:-}" ]; then
  FILEGLANCER_TEST_POSTGRES_URL=$(FILEGLANCER_TEST_POSTGRES_STARTED="$PG_STARTED_FILE" \
    scripts/start-test-postgres.sh)
fi
export FILEGLANCER_TEST_POSTGRES_URL

step "pytest"
# As root, this includes tests/hub/: a real JupyterHub spawning servers as Unix users it
# creates (it opens the way to this venv's Python for them, as below, and closes it again).
python -m pytest -m "not unprivileged"

step "pytest: the permission tests as an ordinary user"
run_unprivileged_tests

step "prettier, eslint, jest"
jlpm lint:check
jlpm test

step "Galata UI tests in Chromium"
cd ui-tests
jlpm install
CI="${CI:-true}" jlpm playwright test
