#!/usr/bin/env bash
# Memory of `kuajing serve --demo` that seeds the demo world in-process on a new SQLite file
# (docs/benchmarks.md, issue 20): the peak (VmHWM) while it generates and ingests the world, and the
# resident memory (VmRSS) once it serves and 10 s later. Usage: scripts/bench/demo-memory.sh [KUAJING]
# (default: a release build, built first).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
if [ $# -ge 1 ]; then kuajing="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; else swift build -c release --product kuajing --package-path "$root" >&2; kuajing="$root/.build/release/kuajing"; fi
work=$(mktemp -d /tmp/kuajing-memory.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
(cd "$work" && exec "$kuajing" serve --demo --port "$port" --db "$work/kuajing.sqlite" >"$work/out" 2>"$work/err") &
pid=$!
start=$(date +%s)
until curl -s -o /dev/null "http://127.0.0.1:$port/healthz"; do
  sleep 1
  kill -0 "$pid" 2>/dev/null || { cat "$work/err" >&2; exit 1; }
  [ $(( $(date +%s) - start )) -lt 600 ] || { echo "not serving after 600 s" >&2; exit 1; }
done
ready=$(( $(date +%s) - start ))
field() { awk -v k="$1:" '$1 == k { printf "%.0f", $2 / 1024 }' "/proc/$pid/status"; }
echo "serving after ${ready} s; peak while seeding $(field VmHWM) MiB; resident now $(field VmRSS) MiB"
sleep 10
echo "resident 10 s later $(field VmRSS) MiB (peak $(field VmHWM) MiB)"
