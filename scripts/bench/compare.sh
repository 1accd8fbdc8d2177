#!/usr/bin/env bash
# Runs the figures of docs/benchmarks.md with two release builds side by side, alternating, on one
# core (taskset -c 0): OLD (e.g. a worktree of the commit before a change) and NEW (this checkout).
# Usage: scripts/bench/compare.sh OLD_BINARY NEW_BINARY POSTGRES_URL_WITHOUT_DATABASE
# Inputs: /tmp/pop.csv (kuajing generate claims --enterprises 1000000 --seed 42) and /tmp/gen100k
# (kuajing generate trade --records 100000 --seed 7). Run from the repository root (an old build
# finds ../shared relative to the working directory).
set -euo pipefail
old=$1; new=$2; pg=${3:-}
t() { /usr/bin/time -f "      wall %e s, max RSS %M KB" "$@"; }
for round in 1 2 3; do
  for k in "$old" "$new"; do
    echo "-- calc summary, 1M × 4 claims, $k (round $round)"
    t taskset -c 0 "$k" calc --claims /tmp/pop.csv --policy hangzhou-2024 --format summary > /dev/null
  done
done
for k in "$old" "$new"; do
  echo "-- trade check 100k, $k"; t taskset -c 0 "$k" trade check /tmp/gen100k | tail -1
  rm -f /tmp/cmp-a.sqlite* /tmp/cmp-b.sqlite*
  echo "-- ingest SQLite 100k, $k"; KUAJING_TIMING=1 t taskset -c 0 "$k" ingest /tmp/gen100k --db /tmp/cmp-a.sqlite
  echo "-- bare loop SQLite, $k"; t taskset -c 0 "$k" bench insert-loop --from /tmp/cmp-a.sqlite --db /tmp/cmp-b.sqlite
  if [ -n "$pg" ]; then
    psql "$pg/postgres" -q -c "DROP DATABASE IF EXISTS cmp_a" -c "CREATE DATABASE cmp_a"
    echo "-- ingest PostgreSQL 100k, $k"; KUAJING_TIMING=1 t taskset -c 0 "$k" ingest /tmp/gen100k --db "$pg/cmp_a"
    "$k" stats --db "$pg/cmp_a" --any-status --by code --format csv | md5sum
  fi
  "$k" stats --db /tmp/cmp-a.sqlite --any-status --by code --format csv | md5sum
  rm -rf /tmp/cmp-demo.sqlite* /tmp/cmp-demo
  echo "-- demo seed, $k"; t taskset -c 0 "$k" demo seed --through 2025-06 --db /tmp/cmp-demo.sqlite --out /tmp/cmp-demo | tail -1
  for i in 1 2 3; do
    echo "-- report monthly 杭州市 2025-06 (.xlsx), $k"; KUAJING_TIMING=1 t "$k" report monthly --scope 杭州市 --month 2025-06 --out /tmp/cmp-report.xlsx --db /tmp/cmp-demo.sqlite
  done
  echo "-- targets, $k"; t "$k" targets --month 2025-06 --db /tmp/cmp-demo.sqlite > /dev/null
done
