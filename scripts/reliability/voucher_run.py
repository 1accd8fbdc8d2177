#!/usr/bin/env python3
"""运力券 under load, faults and bad input, against a Kuajing server on 127.0.0.1.

Usage: voucher_run.py BASE ADMIN_TOKEN TOKENS_FILE MODE [RESTART_CMD]
  TOKENS_FILE: lines "USCC<TAB>bearer token" (one per enterprise)
  MODE: load (500 requests, 64 connections) | kill (the same, while RESTART_CMD kills the server
        with kill -9 five times and starts it again; clients retry with their keys)

Prints a JSON summary on the last line and exits non-zero when a check fails. Checks: the vouchers
issued add up to exactly the batch; no enterprise passes 100万 in a year; no voucher passes 5% of
its contract (rounded half up to the fen); every request is answered (issued, waitlisted, refused
with a reason, or 503 with Retry-After); the same key always gets the same voucher; nothing is
granted twice; every voucher acknowledged before a kill is still there afterwards.
"""
import concurrent.futures as cf
import json
import random
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

base, admin, tokens_file, mode = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
restart = sys.argv[5] if len(sys.argv) > 5 else None
all_tokens = [line.rstrip("\n").split("\t") for line in open(tokens_file, encoding="utf-8") if line.strip()]
# Each mode has its own enterprises, so that each run's yearly caps are its own to check.
half = len(all_tokens) // 2
tokens = all_tokens[:half] if mode == "load" else all_tokens[half:]
rng = random.Random(20261201)
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def call(method, path, token, body=None, headers=None, timeout=30):
    data = None if body is None else json.dumps(body).encode()
    h = {"Authorization": "Bearer " + token}
    if body is not None:
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    req = urllib.request.Request(base + path, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"{}"), dict(r.headers)
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            payload = json.loads(raw or b"{}")
        except ValueError:
            payload = {"raw": raw[:200].decode("utf-8", "replace")}
        return e.code, payload, dict(e.headers)


# The batch: smaller than the demand. Opened a second ago, so it is released at once.
batch_fen = 10_000_000_00  # 1000万 per run (two runs within the 3000万 pool)
opens = time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(time.time() + 8 * 3600 - 1))
status, answer, _ = call("POST", "/api/v1/voucher-batches", admin, {"policy": "hangzhou-2024", "amount": "%d.00" % (batch_fen // 100), "opens_at": opens, "label": "可靠性测试批次"})
check(status == 201, f"the batch opens ({status} {answer})")

# 500 requests from the enterprises: contracts from 10万 to 4000万 (5% of which passes the 100万 cap),
# two to four per enterprise; every tenth sent again with its key.
year = time.strftime("%Y")
requests = []
for n in range(500):
    uscc, token = tokens[n % len(tokens)]
    yuan = rng.choice([rng.randint(100_000, 2_000_000), rng.randint(2_000_000, 40_000_000)])
    requests.append({"key": f"rel-{mode}-{n}", "token": token, "body": {
        "enterprise_id": uscc, "contract_no": f"REL-{mode}-{n}", "contract_amount": f"{yuan}.{rng.randint(0, 99):02d}",
        "provider": "可靠性测试物流", "date": f"{year}-{rng.randint(1, int(time.strftime('%m'))):02d}-01"}})
sends = requests + [r for i, r in enumerate(requests) if i % 10 == 0]
rng.shuffle(sends)

rng_send = random.Random(7)
answers = {}          # key → list of (status, voucher)
acknowledged = {}     # key → voucher, the first answer a client received
lock = threading.Lock()
statuses = {}
retries = [0]


def send(r):
    if mode == "kill":
        time.sleep(rng_send.uniform(0, 3.4))   # spread over the kills (about 15 s)
    while True:
        try:
            status, payload, headers = call("POST", "/api/v1/vouchers", r["token"], r["body"], {"Idempotency-Key": r["key"]})
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            with lock:
                retries[0] += 1
            time.sleep(0.2)   # the server is down (killed): retry with the same key
            continue
        if status == 503:
            with lock:
                retries[0] += 1
            check("Retry-After" in headers or "retry-after" in {k.lower() for k in headers}, "a 503 carries Retry-After")
            time.sleep(0.2)
            continue
        with lock:
            statuses[status] = statuses.get(status, 0) + 1
            answers.setdefault(r["key"], []).append((status, payload))
            if status in (200, 201):
                acknowledged.setdefault(r["key"], payload)
        return status


killer_log = []


def killer():
    for i in range(5):
        time.sleep(1.0 + rng.random())
        t0 = time.time()
        subprocess.run(restart, shell=True, check=True)
        killer_log.append(round(time.time() - t0, 2))


start = time.time()
kthread = None
if mode == "kill":
    kthread = threading.Thread(target=killer)
    kthread.start()
with cf.ThreadPoolExecutor(max_workers=64) as pool:
    done = list(pool.map(send, sends))
if kthread:
    kthread.join()
elapsed = time.time() - start

check(all(s in (200, 201, 409, 422) for s in done), f"every request is answered: {statuses}")
for key, got in answers.items():
    vouchers = {json.dumps(p, sort_keys=True) for s, p in got if s in (200, 201)}
    if len(vouchers) > 1:
        check(False, f"the key {key} got two different answers")
refused = [p for got in answers.values() for s, p in got if s == 422]
check(all(p.get("code") and p.get("message") for p in refused), f"every refusal names its rule ({len(refused)} refused)")

# What the server holds now.
stored = []
offset = 0
while True:
    s, page, _ = call("GET", f"/api/v1/vouchers?limit=10000&offset={offset}", admin)
    stored += page["items"]
    if len(page["items"]) < 10000:
        break
    offset += 10000
mine = [v for v in stored if v["contract_no"].startswith(f"REL-{mode}-")]
issued = [v for v in mine if v["status"] == "issued"]
fen = lambda s: int(s.replace(".", ""))
total = sum(fen(v["amount"]) for v in issued)
# Waiting vouchers of an earlier run are served first from a new batch, so the exact sum is checked
# over all vouchers against all that was released.
s, pool_now, _ = call("GET", "/api/v1/voucher-pool", admin)
all_issued = sum(fen(v["amount"]) for v in stored if v["status"] == "issued")
check(all_issued == fen(pool_now["released"]) == fen(pool_now["reserved"]),
      f"the vouchers issued add up to exactly what the batches released ({all_issued} fen; released {pool_now['released']}, reserved {pool_now['reserved']})")
check(len({v["contract_no"] for v in mine}) == len(mine), "nothing is granted twice (one voucher per contract)")
check(len({v["sequence"] for v in stored}) == len(stored), "sequence numbers are unique")
contracts = {r["body"]["contract_no"]: r["body"] for r in requests}
per_year = {}
for v in issued:
    body = contracts[v["contract_no"]]
    c = fen(body["contract_amount"] if "." in body["contract_amount"] else body["contract_amount"] + ".00")
    if fen(v["amount"]) * 20 > c + 10:
        check(False, f"voucher {v['voucher_id']} passes 5% of its contract")
    k = (v["enterprise_id"], body["date"][:4])
    per_year[k] = per_year.get(k, 0) + fen(v["amount"])
check(all(x <= 100_000_000 for x in per_year.values()), "no enterprise passes 100万 in a year")
by_id = {v["voucher_id"]: v for v in stored}
lost = [k for k, p in acknowledged.items() if p["voucher_id"] not in by_id or by_id[p["voucher_id"]]["sequence"] != p["sequence"]]
check(not lost, f"every acknowledged voucher is still there ({len(acknowledged)} acknowledged, {len(lost)} lost)")
s, pool, _ = call("GET", "/api/v1/voucher-pool", admin)
check(s == 200, f"the live balance is shown: remaining {pool.get('remaining')}")

# Bad input: a 4xx with a reason, and nothing written (the audit head does not move).
uscc, token = tokens[0]
s, before, _ = call("GET", "/api/v1/audit/entries?limit=1", admin)
bad = [
    ("wrong check character", {**requests[0]["body"], "enterprise_id": uscc[:-1] + ("0" if uscc[-1] != "0" else "1"), "contract_no": "BAD-1"}),
    ("another enterprise's id", {**requests[0]["body"], "enterprise_id": tokens[1][0], "contract_no": "BAD-2"}),
    ("zero amount", {**requests[0]["body"], "contract_amount": "0", "contract_no": "BAD-3"}),
    ("negative amount", {**requests[0]["body"], "contract_amount": "-100.00", "contract_no": "BAD-4"}),
    ("fractional fen", {**requests[0]["body"], "contract_amount": "100.001", "contract_no": "BAD-5"}),
    ("absurd amount", {**requests[0]["body"], "contract_amount": "1" + "0" * 15, "contract_no": "BAD-6"}),
    ("a year outside the policy", {**requests[0]["body"], "date": "2019-05-01", "contract_no": "BAD-7"}),
    ("malformed date", {**requests[0]["body"], "date": "2025-13-45", "contract_no": "BAD-8"}),
]
for what, body in bad:
    s, p, _ = call("POST", "/api/v1/vouchers", token, body, {"Idempotency-Key": "bad-" + str(abs(hash(what)))})
    check(400 <= s < 500 and p.get("message"), f"{what}: {s} {p.get('message', '')[:60]}")
req = urllib.request.Request(base + "/api/v1/vouchers", data=b"{not json", method="POST",
                             headers={"Authorization": "Bearer " + token, "Content-Type": "application/json", "Idempotency-Key": "bad-json"})
try:
    urllib.request.urlopen(req)
    check(False, "malformed JSON is refused")
except urllib.error.HTTPError as e:
    check(e.code == 422, f"malformed JSON: {e.code}")
s, p, _ = call("POST", "/api/v1/vouchers", token, requests[0]["body"])
check(s == 422, f"no Idempotency-Key: {s}")
s, after, _ = call("GET", "/api/v1/audit/entries?limit=1", admin)
check(before["head_sequence"] == after["head_sequence"], "no bad request wrote anything (the audit head did not move)")

summary = {"mode": mode, "requests": len(sends), "distinct": len(requests), "seconds": round(elapsed, 2), "statuses": statuses,
           "issued": len(issued), "waitlisted": sum(v["status"] == "waitlisted" for v in mine), "issued_fen_this_run": total, "issued_fen_all": all_issued, "released": pool_now["released"], "retries": retries[0],
           "refusal_codes": {c: sum(1 for p in refused if p.get("code") == c) for c in sorted({p.get("code") for p in refused})}, "kills": len(killer_log), "restart_seconds": killer_log, "acknowledged": len(acknowledged), "lost": len(lost), "failures": len(failures)}
print(json.dumps(summary, ensure_ascii=False))
sys.exit(1 if failures else 0)
