#!/usr/bin/env bash
# The 运力券 pool under load, kill -9 and bad input, on SQLite or PostgreSQL (docs/reliability.md).
# Starts `kuajing serve --demo` on a fresh store (a temporary PostgreSQL server for `postgres`), gives
# 250 demo enterprises a token each, then runs scripts/reliability/voucher_run.py twice: `load`
# (500 requests, 64 connections) and `kill` (the same while the server is killed with kill -9 five
# times and restarted), each on a fresh store, then `kuajing audit verify`; finally
# scripts/reliability/tamper.py tampers with copies of the store offline (a byte flipped, an entry
# deleted, two swapped, the tail cut, a balance changed, the whole chain rewritten consistently) and
# checks that `audit verify` fails each time. Loopback only, bounded in time.
# Usage: scripts/reliability/run.sh sqlite|postgres [path/to/kuajing]   (default .build/release/kuajing)
set -euo pipefail
engine="${1:?sqlite or postgres}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
kuajing="$(realpath "${2:-$root/.build/release/kuajing}")"
work=$(mktemp -d /tmp/kuajing-reliability.XXXXXX)
chmod 755 "$work"
pgbin=""; pgdata=""
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
cleanup() {
  [ -f "$work/pid" ] && kill -9 "$(cat "$work/pid")" 2>/dev/null || true
  [ -n "$pgdata" ] && runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdata" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
if [ "$engine" = postgres ]; then
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  pgdata="$work/pg"; mkdir -p "$pgdata"; chown postgres:postgres "$pgdata"
  pgport=$(free_port)
  runuser -u postgres -- "$pgbin/initdb" -D "$pgdata" -A trust -U postgres -E UTF8 --no-locale >/dev/null
  runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdata" -w -l "$pgdata/server.log" -o "-p $pgport -k $pgdata -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
elif [ "$engine" != sqlite ]; then echo "engine: sqlite or postgres" >&2; exit 2; fi
export KUAJING_DEMO_PASSWORD="reliability-$(date +%s)" KUAJING_AUDIT_KEY="$work/audit.key" KUAJING_BCRYPT_COST=4
# Each phase on a store of its own (a fresh pool): `load`, then `kill`.
for phase in load kill; do
if [ "$engine" = sqlite ]; then db="$work/$phase.sqlite"; else
  runuser -u postgres -- "$pgbin/createdb" -h 127.0.0.1 -p "$pgport" -U postgres "$phase"
  db="postgres://postgres@127.0.0.1:$pgport/$phase"
fi
echo "== $phase on $engine"
port=$(free_port)
base="http://127.0.0.1:$port"
# Starts the server and waits until it answers, killing a running one with -9 first. Only the first
# start seeds (--demo); a restart without it keeps the users and their tokens.
cat >"$work/start.sh" <<START
#!/usr/bin/env bash
set -euo pipefail
if [ -f "$work/pid" ]; then
  old=\$(cat "$work/pid"); kill -9 "\$old" 2>/dev/null || true
  while kill -0 "\$old" 2>/dev/null; do sleep 0.02; done   # gone, and its port with it
fi
rm -f "$work/server.out"
(cd "$work" && exec "$kuajing" serve \${1:-} --port "$port" --db "$db" >"$work/server.out" 2>>"$work/server.err") &
echo \$! >"$work/pid"
for _ in \$(seq 1 6000); do grep -q "已启动" "$work/server.out" 2>/dev/null && exit 0; sleep 0.05; done
echo "server did not start" >&2; cat "$work/server.err" >&2; exit 1
START
chmod +x "$work/start.sh"
t0=$(date +%s)
"$work/start.sh" --demo
echo "server on $base ($engine), demo world seeded in $(( $(date +%s) - t0 )) s"
admin=$("$kuajing" users token demo-admin --db "$db")
curl -sf -H "Authorization: Bearer $admin" "$base/api/v1/enterprises?limit=250" \
  | python3 -c 'import json,sys; [print(i["enterprise_id"]) for i in json.load(sys.stdin)["items"]]' >"$work/enterprises"
while read -r id; do
  printf '%s\t%s\n' "$id" "$("$kuajing" users token demo-admin --enterprise "$id" --db "$db")"
done <"$work/enterprises" >"$work/tokens"
echo "$(wc -l <"$work/tokens") enterprise tokens"
python3 "$root/scripts/reliability/voucher_run.py" "$base" "$admin" "$work/tokens" "$phase" "$work/start.sh"
old=$(cat "$work/pid"); kill -TERM "$old"; while kill -0 "$old" 2>/dev/null; do sleep 0.1; done; rm -f "$work/pid"
"$kuajing" audit verify --db "$db"
done
# Offline tampering, each case on a copy of the kill phase's store (which holds a signed checkpoint).
echo "== tamper on $engine"
if [ "$engine" = sqlite ]; then
  python3 "$root/scripts/reliability/tamper.py" sqlite "$kuajing" "$work/kill.sqlite"
else
  python3 "$root/scripts/reliability/tamper.py" postgres "$kuajing" "$pgbin" "$pgport" kill
fi
