#!/usr/bin/env bash
# The population benchmark of docs/benchmarks.md: 1,000,000 enterprises × 4 claims of 杭州, evaluated
# and totalled by a release build on one core, then checked against an independent integer computation.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-/tmp/kuajing-population.csv}
swift build -c release --product kuajing
.build/release/kuajing generate claims --enterprises 1000000 --seed 42 --out "$out"
ls -l "$out"
/usr/bin/time -f "wall %e s, max RSS %M KB" taskset -c 0 .build/release/kuajing calc --claims "$out" --policy hangzhou-2024 --format summary
KUAJING_TIMING=1 taskset -c 0 .build/release/kuajing calc --claims "$out" --policy hangzhou-2024 --format summary > /dev/null
if command -v perf >/dev/null; then
  perf stat -r 5 -e task-clock taskset -c 0 .build/release/kuajing calc --claims "$out" --policy hangzhou-2024 --format summary 2>&1 >/dev/null | grep -E "elapsed"
fi
python3 scripts/bench/check_population_total.py "$out"
