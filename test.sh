#!/usr/bin/env bash
# Runs Bosun's whole test suite: unit, API integration (SQLite and a throwaway PostgreSQL) and browser tests.
# Installs what the tests need on Debian when it is missing: PostgreSQL server binaries, PgBouncer and Chromium.
#
#   ./test.sh --fast   everything but the browser and benchmark tests, on SQLite only: no PostgreSQL, no Chromium
#
# Any other argument goes to `dotnet test`; a --filter given with --fast narrows the fast run further.
set -euo pipefail
cd "$(dirname "$0")"

fast=false
filter=""
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --fast) fast=true ;;
    --filter) filter="${2:?--filter needs an expression}"; shift ;;
    --filter=*) filter="${1#--filter=}" ;;
    *) args+=("$1") ;;
  esac
  shift
done
if $fast; then
  # The trait names are the constants of tests/Bosun.Tests/Infrastructure/TestCategory.cs.
  excluded="Category!=Browser&Category!=Bench&Category!=Postgres"
  filter="${filter:+($filter)&}$excluded"
  export BOSUN_TEST_STORES=sqlite  # [BothStores] theories then yield only their SQLite row
fi
if [ -n "$filter" ]; then args+=(--filter "$filter"); fi

missing=()
if ! $fast; then
  compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null || missing+=(postgresql)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing ${missing[*]} ..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Missing ${missing[*]}: install them (Debian: apt-get install ${missing[*]}) and run again." >&2
    exit 1
  fi
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet tool restore >/dev/null
dotnet build Bosun.sln -c Release -nologo -v quiet

# The model and the generated migrations must agree for both providers.
for provider in Sqlite Postgres; do
  dotnet ef migrations has-pending-model-changes --no-build --configuration Release \
    --project "src/Bosun.Migrations.$provider" >/dev/null \
    || { echo "The $provider migrations are behind the model: add a migration." >&2; exit 1; }
done

results="$(mktemp -d)"

# Everything the tests create in the temp directory (SQLite files, the throwaway PostgreSQL cluster) goes into one
# directory of this run, removed at the end; a cluster the test host did not get to stop is stopped here.
scratch="$(mktemp -d)"
chmod 755 "$scratch"  # the cluster runs as the postgres user, which must reach its data directory
cleanup() {
  for data in "$scratch"/bosun-pg-*/data; do
    [ -f "$data/postmaster.pid" ] || continue
    pg_ctl="$(compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" | sort -V | tail -1)"
    if [ "$(id -u)" = 0 ]; then
      runuser -u postgres -- "$pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
    else
      "$pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
  done
  rm -rf "$scratch"
}
trap cleanup EXIT

status=0
TMPDIR="$scratch" dotnet test Bosun.sln -c Release --no-build --logger "trx;LogFileName=bosun.trx" --results-directory "$results" "${args[@]}" || status=$?

# One plain summary line, whatever the runner printed above.
if compgen -G "$results/*.trx" >/dev/null; then
  python3 - "$results"/*.trx <<'PY' || true
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for path in sys.argv[1:]:
    c = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    passed += int(c.get("passed", 0)); failed += int(c.get("failed", 0)); skipped += int(c.get("notExecuted", 0))
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
PY
fi
exit $status
