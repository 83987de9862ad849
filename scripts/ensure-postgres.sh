#!/usr/bin/env bash
# Makes sure the PostgreSQL server the tests use is up (AMISI_TEST_PG_URL, default
# postgres://postgres@127.0.0.1:5432/test). Starts the local Debian cluster if it is
# installed but stopped; otherwise explains what to do and fails.
set -uo pipefail
url="${AMISI_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"

ready() { pg_isready -q -d "$url" 2>/dev/null; }

if ! command -v pg_isready >/dev/null 2>&1; then
  echo "ensure-postgres: the PostgreSQL client tools are not installed; install PostgreSQL (apt-get install postgresql) or set AMISI_TEST_PG_URL to a reachable server" >&2
  exit 1
fi
if ready; then exit 0; fi
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "ensure-postgres: starting the local PostgreSQL $version cluster" >&2
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do
    if ready; then exit 0; fi
    sleep 1
  done
fi
echo "ensure-postgres: PostgreSQL is not reachable at $url; start it (pg_ctlcluster --skip-systemctl-redirect <version> main start) or set AMISI_TEST_PG_URL" >&2
exit 1
