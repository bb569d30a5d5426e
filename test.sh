#!/usr/bin/env bash
# Runs both test suites (xunit for the C# core, Expecto for the F# experiments) and ends with one line
# "N passed, N failed, N skipped" summed over both. Exit code non-zero if anything failed or did not run.
# Extra arguments go to `dotnet test` (e.g. --filter).
set -uo pipefail
cd "$(dirname "$0")"
log_dir=$(mktemp -d)
trap 'rm -rf "$log_dir"' EXIT
status=0

# The build's own exit code decides (with pipefail, a `cmd | grep || true` pipeline would hide it and the
# suites would then run stale binaries).
dotnet build Research.sln -c Release > "$log_dir/build.log" 2>&1
build_status=$?
grep -E 'error|Warn|warn|Elapsed' "$log_dir/build.log" | sort -u || true
if [ "$build_status" -ne 0 ]; then
  echo "build failed (see messages above)"
  echo "0 passed, 1 failed"
  exit 1
fi

dotnet test tests/Core.Tests/Core.Tests.csproj -c Release --no-build "$@" 2>&1 | tee "$log_dir/core.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

dotnet tests/Experiments.Tests/bin/Release/net10.0/Research.Experiments.Tests.dll --summary 2>&1 | tee "$log_dir/experiments.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

# xunit: "Passed!  - Failed:     0, Passed:    12, Skipped:     0, Total: ..."
read -r cp cf cs < <(sed -nE 's/^.*(Passed|Failed)! +- Failed: +([0-9]+), Passed: +([0-9]+), Skipped: +([0-9]+).*/\3 \2 \4/p' "$log_dir/core.log" \
  | awk '{p+=$1;f+=$2;s+=$3} END{printf "%d %d %d\n",p,f,s}')
# Expecto: "EXPECTO! 5 tests run in 00:00:00.07 for ... – 5 passed, 0 ignored, 0 failed, 0 errored."
read -r ep ei ef ee < <(sed -nE 's/.*EXPECTO!.* ([0-9]+) passed, ([0-9]+) ignored, ([0-9]+) failed, ([0-9]+) errored.*/\1 \2 \3 \4/p' "$log_dir/experiments.log" \
  | awk '{p+=$1;i+=$2;f+=$3;e+=$4} END{printf "%d %d %d %d\n",p,i,f,e}')

passed=$((cp + ep)); failed=$((cf + ef + ee)); skipped=$((cs + ei))
if [ "$cp" -eq 0 ] || [ "$ep" -eq 0 ]; then
  echo "a suite reported no passing test (xunit passed=$cp, expecto passed=$ep)"
  status=1; failed=$((failed > 0 ? failed : 1))
fi
[ "$failed" -eq 0 ] || status=1
printf "\n"
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
