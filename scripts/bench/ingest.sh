#!/usr/bin/env bash
# Ingestion benchmark of docs/benchmarks.md (issue 3): N synthetic CEB603 records (100 per message),
# parsed by xmllint (the C limit), checked, ingested into SQLite and PostgreSQL, and the same rows
# inserted by a bare loop (the writer's limit). One core for kuajing (taskset -c 0).
# Usage: scripts/bench/ingest.sh RECORDS DIR POSTGRES_URL_WITHOUT_DATABASE   (e.g. postgres://postgres@127.0.0.1:54329)
set -euo pipefail
n=${1:-1000000}; dir=${2:-/tmp/gen$n}; pg=${3:-}
k=.build/release/kuajing
t() { /usr/bin/time -f "    wall %e s, user %U s, sys %S s, max RSS %M KB" "$@"; }
[ -d "$dir" ] || $k generate trade --records "$n" --seed 7 --out "$dir"
echo "== $n records in $dir ($(du -sh "$dir" | cut -f1))"
echo "-- xmllint --stream --noout"; t sh -c "ls $dir/*.xml | taskset -c 0 xargs xmllint --stream --noout"
echo "-- trade check"; t taskset -c 0 $k trade check "$dir" | tail -1
rm -f /tmp/bench-a.sqlite* /tmp/bench-b.sqlite*
echo "-- ingest SQLite"; KUAJING_TIMING=1 t taskset -c 0 $k ingest "$dir" --db /tmp/bench-a.sqlite
echo "-- bare loop SQLite"; t taskset -c 0 $k bench insert-loop --from /tmp/bench-a.sqlite --db /tmp/bench-b.sqlite
ls -la /tmp/bench-a.sqlite
if [ -n "$pg" ]; then
  psql "$pg/postgres" -q -c "DROP DATABASE IF EXISTS bench_a" -c "CREATE DATABASE bench_a" -c "DROP DATABASE IF EXISTS bench_b" -c "CREATE DATABASE bench_b"
  echo "-- ingest PostgreSQL"; KUAJING_TIMING=1 t taskset -c 0 $k ingest "$dir" --db "$pg/bench_a"
  echo "-- bare loop PostgreSQL"; t taskset -c 0 $k bench insert-loop --from "$pg/bench_a" --db "$pg/bench_b"
  echo "-- statistics agree"
  $k stats --db /tmp/bench-a.sqlite --any-status --by code --format csv | md5sum
  $k stats --db "$pg/bench_a" --any-status --by code --format csv | md5sum
fi
