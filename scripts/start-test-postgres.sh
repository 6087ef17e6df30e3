#!/usr/bin/env bash
# Make a local PostgreSQL ready for the link-store tests and print its SQLAlchemy URL.
# For a fresh Debian machine as root: installs Debian's postgresql when missing, starts
# the newest cluster, creates the role and database. Idempotent; progress goes to stderr.
# When it starts the cluster and FILEGLANCER_TEST_POSTGRES_STARTED names a file, it writes
# "<version> main" there, so the caller can stop what it started (scripts/test-all.sh).
set -euo pipefail

NAME=fileglancer_test
say() { printf '%s\n' "$*" >&2; }

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  say "installing postgresql from Debian"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
fi
version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main"' | grep -q .; then
  say "creating cluster $version/main"
  pg_createcluster "$version" main >&2
fi
if ! pg_ctlcluster "$version" main status >/dev/null 2>&1; then
  say "starting cluster $version/main"
  pg_ctlcluster "$version" main start >&2
  if [ -n "${FILEGLANCER_TEST_POSTGRES_STARTED:-}" ]; then
    echo "$version main" >"$FILEGLANCER_TEST_POSTGRES_STARTED"
  fi
fi
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')

psql_admin() { runuser -u postgres -- psql -p "$port" -v ON_ERROR_STOP=1 -tAc "$1"; }
for _ in $(seq 1 30); do  # the server may still be starting up
  psql_admin "SELECT 1" >/dev/null 2>&1 && break
  sleep 1
done
if [ -z "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname = '$NAME'")" ]; then
  psql_admin "CREATE ROLE $NAME LOGIN PASSWORD '$NAME'" >/dev/null
fi
# The hub test (tests/hub/) makes the link service its own role and database.
psql_admin "ALTER ROLE $NAME CREATEROLE CREATEDB" >/dev/null
if [ -z "$(psql_admin "SELECT 1 FROM pg_database WHERE datname = '$NAME'")" ]; then
  psql_admin "CREATE DATABASE $NAME OWNER $NAME" >/dev/null
fi
echo "postgresql+psycopg://$NAME:$NAME@127.0.0.1:$port/$NAME"
