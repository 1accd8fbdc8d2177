#!/usr/bin/env bash
# Issue 11, item 3: what the ledger stores per record, by table and index, after an ingest.
#   scripts/bench/bytes-per-record.sh DIR [POSTGRES_URL_WITHOUT_DATABASE]
# DIR holds CEB messages (kuajing generate trade); the SQLite figures come from dbstat, the
# PostgreSQL ones from pg_table_size (heap and TOAST) and pg_relation_size (each index).
set -euo pipefail
dir=$1; pg=${2:-}
k=${KUAJING:-.build/release/kuajing}
rm -f /tmp/bytes.sqlite*
$k ingest "$dir" --db /tmp/bytes.sqlite > /dev/null
n=$(sqlite3 /tmp/bytes.sqlite "SELECT count(*) FROM record")
echo "== SQLite, $n records, file $(stat -c %s /tmp/bytes.sqlite) bytes ($(( $(stat -c %s /tmp/bytes.sqlite) / n )) per record)"
sqlite3 -separator ' ' /tmp/bytes.sqlite "SELECT name, SUM(pgsize), SUM(pgsize) / $n FROM dbstat GROUP BY name HAVING SUM(pgsize) > 4096 ORDER BY 2 DESC" |
  awk '{ printf "  %-40s %12d bytes %6d per record\n", $1, $2, $3 }'
echo "  originals as stored: $(sqlite3 /tmp/bytes.sqlite "SELECT SUM(length(bytes)) / $n FROM message_blob") bytes per record, $(sqlite3 /tmp/bytes.sqlite "SELECT count(*) FROM message_blob") messages"
# Before migration 12 a record also held its fields as JSON (column fields).
if sqlite3 /tmp/bytes.sqlite "SELECT 1 FROM pragma_table_info('record') WHERE name = 'fields'" | grep -q 1; then
  sqlite3 /tmp/bytes.sqlite "SELECT '  record.fields (JSON): ' || AVG(length(fields)) || ' bytes per record' FROM record"
fi
if [ -n "$pg" ]; then
  psql "$pg/postgres" -q -c "DROP DATABASE IF EXISTS bytes_a" -c "CREATE DATABASE bytes_a"
  $k ingest "$dir" --db "$pg/bytes_a" > /dev/null
  echo "== PostgreSQL, $n records, database $(psql -At "$pg/bytes_a" -c "SELECT pg_database_size('bytes_a')") bytes"
  psql -At -F ' ' "$pg/bytes_a" -c "SELECT relname, size, size / $n FROM (SELECT relname, CASE relkind WHEN 'r' THEN pg_table_size(oid) ELSE pg_relation_size(oid) END AS size FROM pg_class WHERE relkind IN ('r', 'i') AND relnamespace = 'public'::regnamespace) s WHERE size > 16384 ORDER BY 2 DESC" |
    awk '{ printf "  %-40s %12d bytes %6d per record\n", $1, $2, $3 }'
fi
