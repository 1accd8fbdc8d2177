#!/usr/bin/env bash
# Runs kuajing from a fresh clone on a machine of this kind: installs the system libraries the build
# needs when they are missing (Debian's libxlsxwriter-dev, libsqlite3-dev and zlib1g-dev), builds a release build
# once, and runs it with the arguments given. Example: scripts/run.sh calc --claims examples/claims.csv
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
need=()
[ -f /usr/include/xlsxwriter.h ] || need+=(libxlsxwriter-dev)
[ -f /usr/include/sqlite3.h ] || need+=(libsqlite3-dev)
[ -f /usr/include/zlib.h ] || need+=(zlib1g-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "安装构建所需的系统库：${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
swift build -c release --product kuajing --package-path "$root" >&2
exec "$root/.build/release/kuajing" "$@"
