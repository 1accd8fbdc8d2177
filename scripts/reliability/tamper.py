#!/usr/bin/env python3
"""The audit trail tampered with offline, on a copy of a store per case: `kuajing audit verify`
must fail each time and name the first bad entry; a consistent rewrite of the whole chain must fail
against the signed checkpoint.

Usage: tamper.py sqlite KUAJING BASE.sqlite
       tamper.py postgres KUAJING PGBIN PORT BASEDB
Prints one line per case and a JSON summary; exits non-zero when a case is not caught.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys

engine, kuajing = sys.argv[1], sys.argv[2]
results, failures = [], []


def sql_quote(s):
    return "'" + s.replace("'", "''") + "'"


class SQLite:
    def __init__(self, base):
        self.base = base
        import sqlite3
        con = sqlite3.connect(base)   # everything into the main file, so that a copy is the whole store
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()

    def copy(self, name):
        path = os.path.join(os.path.dirname(self.base), name + ".sqlite")
        shutil.copyfile(self.base, path)
        return path

    def run(self, db, statements):
        import sqlite3
        con = sqlite3.connect(db)
        con.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
        con.execute("DROP TRIGGER IF EXISTS audit_entry_no_delete")
        for s in statements:
            con.execute(s)
        con.commit()
        con.close()

    def rows(self, db, sql):
        import sqlite3
        con = sqlite3.connect(db)
        out = con.execute(sql).fetchall()
        con.close()
        return out


class Postgres:
    def __init__(self, pgbin, port, base):
        self.pgbin, self.port, self.base = pgbin, port, base

    def url(self, name):
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def copy(self, name):
        subprocess.run(["runuser", "-u", "postgres", "--", f"{self.pgbin}/createdb", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres", "-T", self.base, name], check=True)
        return self.url(name)

    def psql(self, db, sql, rows=False):
        args = ["runuser", "-u", "postgres", "--", f"{self.pgbin}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres",
                "-d", db.rsplit("/", 1)[1]]
        if rows:
            args += ["-A", "-t", "-F", "\x1f"]
        p = subprocess.run(args, input=sql, capture_output=True, text=True, check=True)
        return p.stdout

    def run(self, db, statements):
        self.psql(db, "BEGIN;\nSET LOCAL session_replication_role = replica;\n" + ";\n".join(statements) + ";\nCOMMIT;\n")

    def rows(self, db, sql):
        return [tuple(line.split("\x1f")) for line in self.psql(db, sql + ";", rows=True).splitlines() if line]


if engine == "sqlite":
    store = SQLite(sys.argv[3])
    base_db = sys.argv[3]
else:
    store = Postgres(sys.argv[3], sys.argv[4], sys.argv[5])
    base_db = store.url(sys.argv[5])

entries = [(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], r[7]) for r in
           store.rows(base_db, "SELECT sequence, recorded_at, actor, action, subject, content, previous_hash, hash FROM audit_entry ORDER BY sequence")]
head = entries[-1][0]
target = entries[len(entries) // 2][0]


def verify(db):
    p = subprocess.run([kuajing, "audit", "verify", "--db", db], capture_output=True, text=True)
    return p.returncode, (p.stdout + p.stderr).strip().splitlines()


def first_bad(lines):
    import re
    for line in lines:
        m = re.search(r"第一条有问题的记录为第 (\d+) 条", line)
        if m:
            return int(m.group(1))
    return None


def case(name, statements, expected):
    db = store.copy("tamper_" + name)
    store.run(db, statements)
    rc, lines = verify(db)
    named = first_bad(lines)
    ok = rc != 0 and (expected is None or named == expected)
    detail = next((l.strip() for l in lines[1:] if l.strip()), lines[0] if lines else "")
    print(("ok   " if ok else "FAIL ") + f"{name}: exit {rc}, first bad entry {named} (expected {expected}); {detail[:120]}", flush=True)
    results.append({"case": name, "exit": rc, "first_bad": named, "expected": expected, "message": detail[:200]})
    if not ok:
        failures.append(name)


rc, lines = verify(base_db)
print(("ok   " if rc == 0 else "FAIL ") + f"the untouched store verifies: {lines[0] if lines else ''}")
if rc != 0:
    failures.append("untouched")
case("byte_flipped", [f"UPDATE audit_entry SET content = replace(content, '\"', '''') WHERE sequence = {target}"], target)
case("entry_deleted", [f"DELETE FROM audit_entry WHERE sequence = {target}"], target)
case("entries_swapped", [f"UPDATE audit_entry SET sequence = 999999999 WHERE sequence = {target}",
                         f"UPDATE audit_entry SET sequence = {target} WHERE sequence = {target + 1}",
                         f"UPDATE audit_entry SET sequence = {target + 1} WHERE sequence = 999999999"], target)
case("tail_cut", [f"DELETE FROM audit_entry WHERE sequence > {head - 3}"], head - 2)
case("balance_changed", ["UPDATE budget SET released_fen = released_fen + 1 WHERE id = (SELECT MIN(id) FROM budget)"], None)
# The whole chain rewritten consistently: one actor renamed, every hash recomputed by the published
# rule (docs/cash-out.md), the head moved. Every link holds; the signed checkpoint does not.
previous = "0" * 64
rewrite = ["DELETE FROM audit_entry"]
for (seq, at, actor, action, subject, content, _, _) in entries:
    actor = "someone-else" if seq == target else actor
    text = f"kuajing-audit-v1\n{seq}\n{at}\n{actor}\n{action}\n{subject}\n{content}\n{previous}"
    h = hashlib.sha256(text.encode()).hexdigest()
    rewrite.append("INSERT INTO audit_entry (sequence, recorded_at, actor, action, subject, content, previous_hash, hash) VALUES "
                   f"({seq}, {sql_quote(at)}, {sql_quote(actor)}, {sql_quote(action)}, {sql_quote(subject)}, {sql_quote(content)}, {sql_quote(previous)}, {sql_quote(h)})")
    previous = h
rewrite.append(f"UPDATE audit_head SET hash = '{previous}'")
case("chain_rewritten", rewrite, None)
rewritten = next(r for r in results if r["case"] == "chain_rewritten")
if "检查点" not in rewritten["message"]:
    print("FAIL the consistent rewrite is caught by the signed checkpoint: " + rewritten["message"])
    failures.append("checkpoint")
else:
    print("ok   the consistent rewrite is caught by the signed checkpoint")
print(json.dumps({"engine": engine, "entries": len(entries), "cases": results, "failures": failures}, ensure_ascii=False))
sys.exit(1 if failures else 0)
