#!/usr/bin/env bash
# Makes sure the PostgreSQL server binaries (initdb, postgres) that the tests' throwaway
# clusters need (sqlstore/pgtest) are installed. Idempotent; .ci/run calls it.
# Without them the PostgreSQL tests skip on a developer machine and fail with CI=true.
set -euo pipefail

have_pg() {
  if [ -n "${ORDERHUB_PG_BIN:-}" ] && [ -x "$ORDERHUB_PG_BIN/initdb" ] && [ -x "$ORDERHUB_PG_BIN/postgres" ]; then
    return 0
  fi
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then return 0; fi
  done
  command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1
}

if have_pg; then
  exit 0
fi

. "$(dirname "$0")/lib-apt.sh"
apt_prepare ensure-postgres "no PostgreSQL binaries and no apt-get; install PostgreSQL 15+ server binaries (initdb, postgres) or set ORDERHUB_PG_BIN" \
  "installing PostgreSQL server binaries"
# postgresql-15 on Debian 12 (the version the project is tested with); otherwise the
# distribution's default "postgresql". The package's own cluster is not needed: the
# tests run their own.
if apt-cache show postgresql-15 >/dev/null 2>&1; then
  pkg=postgresql-15
else
  pkg=postgresql
fi
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null

if ! have_pg; then
  echo "ensure-postgres: installed $pkg but found no initdb/postgres under /usr/lib/postgresql/*/bin" >&2
  exit 1
fi
# initdb refuses to run as root; the tests then run the server as the "postgres" user,
# which the package creates.
if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
  echo "ensure-postgres: running as root but there is no 'postgres' OS user" >&2
  exit 1
fi
echo "ensure-postgres: ok ($pkg)" >&2
