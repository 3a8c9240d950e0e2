#!/usr/bin/env bash
# The PostgreSQL tests on a throwaway PostgreSQL 15 cluster: installs postgresql-15 when it is
# missing, creates a cluster in a temporary folder (initdb, as the postgres user when run as
# root), starts it on a free port on 127.0.0.1 only, runs the already-built PostgreSQL cases of
# BUILD_DIR (the store contract as "postgres: ...", two stores as two instances, and two
# `sapa serve` processes on one database with one killed under load), then stops the cluster
# and removes it. Nothing is compiled. Fails if any PostgreSQL case was skipped.
#   scripts/postgres-test.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
[ -x "$build_dir/tests/sapa_tests" ] || { echo "postgres-test: build $build_dir first (scripts/test.sh)" >&2; exit 1; }

pg_bin=/usr/lib/postgresql/15/bin
if [ ! -x "$pg_bin/initdb" ]; then
  scripts/setup-debian.sh postgresql-15
fi

cluster=$(mktemp -d "${TMPDIR:-/tmp}/sapa-postgres.XXXXXX")
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  # initdb refuses to run as root: the cluster belongs to the postgres user Debian created.
  chown postgres "$cluster"
  as_owner=(runuser -u postgres --)
fi
cleanup() {
  "${as_owner[@]}" "$pg_bin/pg_ctl" -D "$cluster/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$cluster"
}
trap cleanup EXIT

"${as_owner[@]}" "$pg_bin/initdb" -D "$cluster/data" -U sapa -A trust --no-sync >/dev/null
# A free port: the first one the server manages to listen on.
port=""
for candidate in $(shuf -i 20000-60000 -n 20); do
  if "${as_owner[@]}" "$pg_bin/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 30 \
       -o "-c listen_addresses=127.0.0.1 -p $candidate -k $cluster -c fsync=off -c max_connections=200" \
       start >/dev/null 2>&1; then
    port=$candidate
    break
  fi
done
[ -n "$port" ] || { echo "postgres-test: the cluster did not start:" >&2; cat "$cluster/server.log" >&2; exit 1; }
echo "postgres-test: PostgreSQL 15 on 127.0.0.1:$port ($cluster)"

export SAPA_TEST_POSTGRES_URL="postgresql://sapa@127.0.0.1:$port/postgres"
output=$(ctest --test-dir "$build_dir" -R '^postgres' -j2 --timeout 180 --output-on-failure 2>&1) || {
  echo "$output"
  exit 1
}
echo "$output" | grep -E "tests passed|Total Test time"
if echo "$output" | grep -q "(Skipped)"; then
  echo "$output" | grep "(Skipped)" >&2
  echo "postgres-test: PostgreSQL cases were skipped although a server ran" >&2
  exit 1
fi
count=$(echo "$output" | sed -n 's/.*tests passed, 0 tests failed out of \([0-9]*\)$/\1/p')
[ "${count:-0}" -gt 0 ] || { echo "postgres-test: no PostgreSQL case ran" >&2; exit 1; }
