#!/usr/bin/env bash
# The runner's wall time against its own waiting: a run should take about its longest
# expiry wait plus request time, not the sum of the waits (scenarios run concurrently).
# Runs the embedded suite RUNS times (default 3) and prints one table row per run.
#
# Usage: bench/runner.sh [RUNS]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${1:-3}
cd "$ROOT"
cargo build --release -q -p jwt-conformance
printf '| run | wall time (s) | longest wait (s) | sum of waits (s) | wall / longest | wall / sum |\n'
printf '| --- | --- | --- | --- | --- | --- |\n'
for i in $(seq "$RUNS"); do
    start=$(date +%s.%N)
    target/release/jwt-conformance --color never >/dev/null 2>"$ROOT/target/bench-runner.err"
    end=$(date +%s.%N)
    python3 - "$i" "$start" "$end" "$ROOT/target/bench-runner.err" <<'PY'
import re, sys
run, start, end, log = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
# A long wait prints a line every few seconds: the first (longest) line of each
# scenario's wait is that wait.
pattern = r'waiting ([0-9.]+)s for the (\w+) token of "(.*)" to expire'
longest = {}
for left, what, scenario in re.findall(pattern, open(log).read()):
    longest[(what, scenario)] = max(longest.get((what, scenario), 0.0), float(left))
waits = list(longest.values())
wall = end - start
print(f"| {run} | {wall:.2f} | {max(waits):.1f} | {sum(waits):.1f} | {wall / max(waits):.2f} | {wall / sum(waits):.2f} |")
PY
done
