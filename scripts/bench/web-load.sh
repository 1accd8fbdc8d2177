#!/usr/bin/env bash
# Load on the web platform (docs/benchmarks.md): a release server on the demo world, signed in, 64
# concurrent connections from wrk on loopback for each of the dashboard, the 运行监测 page and its API;
# the server's resident memory after; then an upload of 1,000 declarations and the time until the
# statistics show them. Usage: scripts/bench/web-load.sh [seconds per run, default 20]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
seconds="${1:-20}"
command -v wrk >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
swift build -c release --product kuajing --package-path "$root" >&2
kuajing="$root/.build/release/kuajing"
work=$(mktemp -d /tmp/kuajing-load.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
export KUAJING_DEMO_PASSWORD=load-test-password
(cd "$work" && exec "$kuajing" serve --demo --port "$port" --db "$work/kuajing.sqlite" >"$work/out" 2>"$work/err") &
pid=$!
for _ in $(seq 1 300); do grep -q "已启动" "$work/out" 2>/dev/null && break; sleep 1; done
base="http://127.0.0.1:$port"
curl -s -c "$work/cookies" -o /dev/null -d "username=demo-analyst&password=$KUAJING_DEMO_PASSWORD&next=/" "$base/login"
cookie="kuajing_session=$(awk '$6 == "kuajing_session" {print $7}' "$work/cookies")"
token=$("$kuajing" users token demo-analyst --db "$work/kuajing.sqlite")
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {print int($2/1048576)" GiB"}' /proc/meminfo); $(date -u +%F)"
for target in "/" "/monitor" "/api/v1/statistics?by=month,code"; do
  if [[ "$target" == /api/* ]]; then header="Authorization: Bearer $token"; else header="Cookie: $cookie"; fi
  curl -sf -o /dev/null -H "$header" "$base$target"   # warm
  echo "== $target (64 connections, ${seconds}s)"
  wrk -t2 -c64 -d"${seconds}s" --latency -H "$header" "$base$target" | grep -E "Latency|50%|90%|99%|Requests/sec|Non-2xx|Socket errors|requests in"
done
echo "server resident memory: $(awk '/VmRSS/ {print int($2/1024)" MiB"}' /proc/$pid/status), peak $(awk '/VmHWM/ {print int($2/1024)" MiB"}' /proc/$pid/status)"
# 1,000 released declarations uploaded; the time from the last byte until the statistics count them.
python3 - "$work/upload.csv" <<'PY'
import sys
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write("\ufeffdeclaration_no,date,direction,supervision_code,enterprise_id,enterprise_name,district,customs_code,country,hs_code,value_cny,currency,value_original,status\n")
    for i in range(1000):
        f.write(f"LOAD{i:014d},2025-11-{(i % 28) + 1:02d},E,9710,91330108MA0001393T,负载测试,滨江区,2992,502,8517620000,100.00,142,100.00,放行\n")
PY
before=$(curl -sf -H "Authorization: Bearer $token" "$base/api/v1/statistics" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total_records"])')
start=$(date +%s.%N)
curl -sf -o /dev/null -H "Authorization: Bearer $token" --data-binary @"$work/upload.csv" "$base/api/v1/imports?name=load.csv"
uploaded=$(date +%s.%N)
while :; do
  now=$(curl -sf -H "Authorization: Bearer $token" "$base/api/v1/statistics" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total_records"])')
  [ "$now" -ge $((before + 1000)) ] && break
done
shown=$(date +%s.%N)
python3 -c "print(f'upload of 1,000 declarations: answered in {$uploaded-$start:.2f} s; in the statistics {$shown-$start:.2f} s after the first byte (records {$before} → {$now})')"
