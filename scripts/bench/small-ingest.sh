#!/usr/bin/env bash
# One small upload into a big ledger (issue 11, item 4): 100 new declarations rows (released, in
# months the ledger already holds) ingested into a copy of LEDGER by each binary given, rollups
# included, then `stats verify`. With rollups kept by delta the time does not grow with the ledger;
# with months recomputed it does. Usage: scripts/bench/small-ingest.sh LEDGER.sqlite BINARY...
set -euo pipefail
ledger=$1; shift
csv=/tmp/small-ingest-100.csv
{ echo "declaration_no,date,direction,supervision_code,enterprise_id,enterprise_name,district,customs_code,country,hs_code,value_cny,currency,value_original,status"
  for i in $(seq 1 100); do
    printf '9999202500%08d,2025-06-%02d,E,9710,91330100MA2H3KLE6C,模拟数据企业,滨江区,2921,USA,6109100021,%d.25,CNY,%d.25,放行\n' "$i" $(( (i % 28) + 1 )) $(( 1000 + i )) $(( 1000 + i ))
  done; } > "$csv"
for k in "$@"; do
  copy=/tmp/small-ingest-copy.sqlite
  rm -f "$copy"*; sqlite3 "$ledger" ".backup $copy"
  echo "-- $k: ingest 100 rows into $(sqlite3 "$copy" 'SELECT COUNT(*) FROM declaration') declaration rows"
  KUAJING_TIMING=1 /usr/bin/time -f "    wall %e s" "$k" ingest "$csv" --db "$copy" 2>&1 | grep -E "wall|rollups|新增"
  "$k" stats verify --db "$copy" | tail -1
done
