#!/usr/bin/env bash
# Issue 11, items 1 and 2: every claim's result (csv, json) and the totals (summary) on the
# 1,000,000 × 4 ledger of ../shared/bench/openfisca, the binary before and after side by side, the
# OpenFisca anchor in the same run, one core (taskset -c 0) and both cores.
#   scripts/bench/calc-formats.sh OLD_KUAJING NEW_KUAJING [LEDGER]
# Needs a venv with openfisca-core, pandas and numpy at $OPENFISCA_VENV (default /tmp/ofvenv).
set -euo pipefail
old=$1; new=$2; ledger=${3:-/tmp/ledger-1m.csv}
venv=${OPENFISCA_VENV:-/tmp/ofvenv}
bench=$(cd "$(dirname "$0")/../.." && pwd)/../shared/bench/openfisca
[ -f "$ledger" ] || "$venv/bin/python" "$bench/make_ledger.py" 1000000 "$ledger"
ls -l "$ledger"
t() { /usr/bin/time -f "$1: wall %e s, max RSS %M KB" "${@:2}"; }
echo "== summary: OpenFisca, before, after (both cores, one core), three rounds"
for round in 1 2 3; do
  t "openfisca" "$venv/bin/python" "$bench/bench_ledger.py" "$ledger" > /tmp/of-total.txt
  t "before summary" "$old" calc --claims "$ledger" --policy hangzhou-2024 --format summary > /tmp/old.summary
  t "after summary, 2 cores" "$new" calc --claims "$ledger" --policy hangzhou-2024 --format summary > /tmp/new.summary
  t "after summary, 1 core" taskset -c 0 "$new" calc --claims "$ledger" --policy hangzhou-2024 --format summary > /dev/null
done
echo "OpenFisca total: $(tail -1 /tmp/of-total.txt) yuan; Kuajing total: $(tail -1 /tmp/new.summary)"
cmp /tmp/old.summary /tmp/new.summary && echo "summary: byte-identical before and after"
echo "== phases (KUAJING_TIMING=1), both cores and one core"
KUAJING_TIMING=1 "$new" calc --claims "$ledger" --policy hangzhou-2024 --format summary 2>&1 >/dev/null | tr '\n' ' '; echo
KUAJING_TIMING=1 taskset -c 0 "$new" calc --claims "$ledger" --policy hangzhou-2024 --format summary 2>&1 >/dev/null | tr '\n' ' '; echo
for f in csv json; do
  echo "== $f"
  t "before $f (to a pipe)" sh -c "'$old' calc --claims '$ledger' --policy hangzhou-2024 --format $f | md5sum" > /tmp/old.$f.md5
  for round in 1 2 3; do t "after $f, 2 cores, to /dev/null" "$new" calc --claims "$ledger" --policy hangzhou-2024 --format "$f" > /dev/null; done
  t "after $f, 1 core, to /dev/null" taskset -c 0 "$new" calc --claims "$ledger" --policy hangzhou-2024 --format "$f" > /dev/null
  t "after $f (to a pipe)" sh -c "'$new' calc --claims '$ledger' --policy hangzhou-2024 --format $f | md5sum" > /tmp/new.$f.md5
  cmp /tmp/old.$f.md5 /tmp/new.$f.md5 && echo "$f: byte-identical before and after ($(cut -c1-12 /tmp/new.$f.md5))"
  rm -f /tmp/calc-out.$f; sync
  t "after $f, to a file on this disk" "$new" calc --claims "$ledger" --policy hangzhou-2024 --format "$f" > /tmp/calc-out.$f
  ls -l /tmp/calc-out.$f
  sync; rm -f /tmp/calc-copy.$f
  t "the disk's floor: dd of the same bytes to a new file" dd if=/tmp/calc-out.$f of=/tmp/calc-copy.$f bs=4M status=none
  rm -f /tmp/calc-out.$f /tmp/calc-copy.$f; sync
done
