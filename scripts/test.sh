#!/usr/bin/env bash
# Runs every test of the project on a fresh machine of this kind. It installs what the tests need
# (Debian's PostgreSQL server and SQLite headers, when missing), starts a throw-away PostgreSQL
# server on a free loopback port in a temporary directory, builds once, runs the Swift test suite
# (SQLite and PostgreSQL storage tests, every policy test case), the policy and plan checks and the
# monthly workbook as LibreOffice prints it, the web platform in a real browser and schemathesis
# against its API (scripts/web-test.sh), and stops the servers whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ -f /usr/include/sqlite3.h ] || need+=(libsqlite3-dev)
[ -f /usr/include/zlib.h ] || need+=(zlib1g-dev)
[ -f /usr/include/xlsxwriter.h ] || need+=(libxlsxwriter-dev)
# The workbook check prints the monthly report with LibreOffice Calc and reads the PDF back.
command -v soffice >/dev/null || need+=(libreoffice-calc-nogui)
command -v pdftotext >/dev/null || need+=(poppler-utils)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pgdata=$(mktemp -d /tmp/kuajing-pg.XXXXXX)
chown postgres:postgres "$pgdata"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
stop_pg() { runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdata" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$pgdata"; }
trap stop_pg EXIT
runuser -u postgres -- "$pgbin/initdb" -D "$pgdata" -A trust -U postgres -E UTF8 --no-locale >/dev/null
runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdata" -w -l "$pgdata/server.log" \
  -o "-p $port -k $pgdata -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
export KUAJING_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port for the storage tests"

# No force unwrap in Sources/ that the allow-list does not justify (issue 19: input must not trap).
python3 scripts/lint-force-unwrap.py .
swift build --build-tests
swift test --skip-build
.build/debug/kuajing policies check
.build/debug/kuajing policies test
.build/debug/kuajing plans check
scripts/check-workbook.sh .build/debug/kuajing
# The web platform in a real browser (Playwright + Debian's chromium) and schemathesis on the API.
scripts/web-test.sh .build/debug/kuajing
