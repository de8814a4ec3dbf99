#!/usr/bin/env bash
# Make sure the PostgreSQL server on 127.0.0.1:5432 answers; start it if it is
# installed but stopped. Fails loudly: the tests must never fall back to SQLite.
set -euo pipefail
host=127.0.0.1 port=5432
if pg_isready -q -h "$host" -p "$port" 2>/dev/null; then exit 0; fi
if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  for version in /etc/postgresql/*; do
    pg_ctlcluster --skip-systemctl-redirect "$(basename "$version")" main start || true
  done
  for _ in $(seq 1 30); do
    pg_isready -q -h "$host" -p "$port" && exit 0
    sleep 1
  done
fi
echo "ERROR: PostgreSQL is not reachable on $host:$port and could not be started." >&2
echo "       The test suite runs against PostgreSQL; it will not fall back to SQLite." >&2
exit 1
