#!/usr/bin/env bash
# Rollup benchmark of docs/benchmarks.md (issue 4): the demo world (about 207,000 declaration rows)
# multiplied inside the database to COPIES × that many rows, the rollups recomputed, the monthly
# report's figures timed (they come from the rollups only), then `stats verify` (a full recount).
# Usage: scripts/bench/rollups.sh sqlite /tmp/roll.sqlite COPIES
#        scripts/bench/rollups.sh postgres postgres://postgres@127.0.0.1:54329/roll COPIES
set -euo pipefail
engine=$1; db=$2; copies=$3
k=.build/release/kuajing
t() { /usr/bin/time -f "    wall %e s, max RSS %M KB" "$@"; }
$k demo seed --seed 1 --through 2026-10 --db "$db" --out /tmp/bench-demo > /dev/null
columns="declared_on, direction, supervision_code, enterprise_id, enterprise_name, district, customs_code, country, hs_code, value_fen, currency, value_original, status, digest, line"
echo "-- multiplying the demo world by $copies"
if [ "$engine" = sqlite ]; then
  t sqlite3 "$db" "PRAGMA journal_mode=WAL; WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < $copies - 1)
    INSERT INTO declaration SELECT declaration_no || '-' || n, $columns FROM declaration, k WHERE instr(declaration_no, '-') = 0;
    INSERT OR IGNORE INTO rollup_dirty_month SELECT DISTINCT substr(declared_on, 1, 7) FROM declaration;"
  rows=$(sqlite3 "$db" "SELECT COUNT(*) FROM declaration")
else
  # Bulk load only: the rows copy rows already checked, so foreign-key triggers are skipped while
  # copying, and the table's two indexes are dropped before and built again after (same definitions).
  t psql "$db" -q -c "SET session_replication_role = replica" -c "ALTER TABLE declaration DROP CONSTRAINT declaration_pkey" \
    -c "DROP INDEX declaration_declared_on" -c "INSERT INTO declaration SELECT declaration_no || '-' || n, $columns
    FROM declaration CROSS JOIN generate_series(1, $copies - 1) AS n WHERE position('-' in declaration_no) = 0" \
    -c "ALTER TABLE declaration ADD PRIMARY KEY (declaration_no)" -c "CREATE INDEX declaration_declared_on ON declaration(declared_on)" \
    -c "INSERT INTO rollup_dirty_month SELECT DISTINCT substr(declared_on, 1, 7) FROM declaration ON CONFLICT DO NOTHING" -c "ANALYZE"
  rows=$(psql "$db" -At -c "SELECT COUNT(*) FROM declaration")
fi
echo "-- ledger rows: $rows"
echo "-- stats refresh (recompute every month)"; t $k stats refresh --db "$db"
for i in 1 2 3; do
  echo "-- report monthly 杭州市 2025-06 (run $i)"; KUAJING_TIMING=1 t $k report monthly --scope 杭州市 --month 2025-06 --out /tmp/bench-hz.html --db "$db"
done
echo "-- report monthly 滨江区 2025-06 .xlsx"; KUAJING_TIMING=1 t $k report monthly --scope 滨江区 --month 2025-06 --out /tmp/bench-bj.xlsx --db "$db"
echo "-- targets 2025-06"; t $k targets --month 2025-06 --db "$db" > /dev/null
echo "-- stats verify"; t $k stats verify --db "$db"
