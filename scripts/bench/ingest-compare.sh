#!/usr/bin/env bash
# Issue 11, item 3: ingest before and after, side by side, with xmllint's record rate (the reader's
# limit) and the bare insert loop (the writer's limit) measured in the same run.
#   scripts/bench/ingest-compare.sh OLD_KUAJING NEW_KUAJING DIR POSTGRES_URL_WITHOUT_DATABASE
# DIR: CEB messages (kuajing generate trade --records N --seed 7 --out DIR). Each binary ingests into a
# fresh SQLite file on one core (taskset -c 0) and on both, and into a fresh PostgreSQL database (the
# server shares the two cores); then its bare loop copies those rows into another fresh store.
set -euo pipefail
old=$1; new=$2; dir=$3; pg=$4
command -v xmllint >/dev/null || { echo "needs xmllint (Debian: libxml2-utils)"; exit 1; }
n=$(cat "$dir"/*.xml | grep -c "<ceb:Inventory>")
t() { /usr/bin/time -f "    wall %e s, max RSS %M KB" "$@" 2>&1 | grep -E "wall|rollups|read |rror" || true; }
echo "== $n records in $dir ($(du -sh "$dir" | cut -f1)), $(nproc) cores"
echo "-- xmllint --stream --noout, one core"; t sh -c "ls $dir/*.xml | taskset -c 0 xargs xmllint --stream --noout"
for k in "$old" "$new"; do
  echo "==== $k"
  rm -f /tmp/cmp-a.sqlite* /tmp/cmp-b.sqlite* /tmp/cmp-c.sqlite*
  echo "-- ingest SQLite, one core"; KUAJING_TIMING=1 t taskset -c 0 "$k" ingest "$dir" --db /tmp/cmp-a.sqlite
  echo "-- ingest SQLite, two cores"; KUAJING_TIMING=1 t "$k" ingest "$dir" --db /tmp/cmp-c.sqlite
  echo "-- bare loop SQLite, one core"; t taskset -c 0 "$k" bench insert-loop --from /tmp/cmp-a.sqlite --db /tmp/cmp-b.sqlite
  echo "    file $(stat -c %s /tmp/cmp-a.sqlite) bytes"
  psql "$pg/postgres" -q -c "DROP DATABASE IF EXISTS cmp_a" -c "CREATE DATABASE cmp_a" -c "DROP DATABASE IF EXISTS cmp_b" -c "CREATE DATABASE cmp_b"
  echo "-- ingest PostgreSQL"; KUAJING_TIMING=1 t "$k" ingest "$dir" --db "$pg/cmp_a"
  echo "-- bare loop PostgreSQL"; t "$k" bench insert-loop --from "$pg/cmp_a" --db "$pg/cmp_b"
  echo "    database $(psql -At "$pg/cmp_a" -c "SELECT pg_database_size('cmp_a')") bytes"
  echo "-- statistics (SQLite, PostgreSQL)"
  "$k" stats --db /tmp/cmp-a.sqlite --any-status --by code --format csv | md5sum
  "$k" stats --db "$pg/cmp_a" --any-status --by code --format csv | md5sum
done
