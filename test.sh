#!/usr/bin/env bash
# Runs every VanguardHub test: builds the solution, runs the suites, and ends with "N passed, N failed".
# Anything the tests need beyond the .NET SDK is installed and started from here.
set -uo pipefail
cd "$(dirname "$0")"

# Prerequisites beyond the .NET SDK (Node.js and npm, Chromium, CJK fonts, nginx), from Debian's packages.
scripts/prerequisites.sh || { echo "0 passed, 1 failed"; exit 1; }

results="$(pwd)/TestResults"
export VANGUARDHUB_ARTIFACTS="$results/artifacts"
rm -rf "$results"
mkdir -p "$results"

dotnet build VanguardHub.sln --configuration Release -warnaserror
build=$?
if [ $build -ne 0 ]; then
  echo "0 passed, 1 failed"
  exit $build
fi

# Tests stop the PostgreSQL servers they start as their process exits; the runner may end a test process before
# that, so any server this run started (a scripts/postgres.sh folder newer than this marker) is removed afterwards.
started_marker=$(mktemp)
dotnet test VanguardHub.sln --configuration Release --no-build \
  --logger "trx;LogFilePrefix=results" --logger "console;verbosity=normal" \
  --results-directory "$results" --blame-hang-timeout 10m
status=$?
find "${TMPDIR:-/tmp}" -maxdepth 1 -type d -name 'vanguardhub-pg-*' -newer "$started_marker" -print0 2>/dev/null \
  | while IFS= read -r -d '' folder; do scripts/postgres.sh remove "$folder" >/dev/null 2>&1 || true; done
rm -f "$started_marker"

passed=0
failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done

if [ $status -ne 0 ] && [ $failed -eq 0 ]; then
  # The runner failed without a failed test (a crash or a hang): count it as one failure.
  failed=1
fi

echo "$passed passed, $failed failed"
exit $status
