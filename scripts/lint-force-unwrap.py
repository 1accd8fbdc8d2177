#!/usr/bin/env python3
"""Finds force unwraps (`x!`, `try!`, `as!`) in Sources/ that no entry of the allow-list justifies.

Input reaches the server, the command line and the readers; a force unwrap on such a path turns bad
input into a crash (issue 19: `GET /report?month=0000-01` stopped the server through `Day(…)!`).
Every force unwrap left in Sources/ must match an entry of scripts/force-unwrap-allowlist.txt:
`file (a path under Sources/, or * for any) | a regular expression the line matches | why it cannot
fail`. A new force unwrap, or one whose line no longer matches its entry, fails the test command with
its place; an entry that matches nothing is reported too, so that the list shrinks with the code.
Strings and comments are skipped; `!=` and prefix `!` (negation) are not unwraps.
Usage: scripts/lint-force-unwrap.py [repository root] [--list]
"""
import os, re, sys

args = [a for a in sys.argv[1:] if not a.startswith("--")]
root = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
allow_path = os.path.join(root, "scripts", "force-unwrap-allowlist.txt")

def code_only(line, state):
    """The line without string literals and comments; `state` carries a block comment or a multi-line string."""
    out, i = [], 0
    while i < len(line):
        if state["block"]:
            j = line.find("*/", i)
            if j < 0: return "".join(out)
            state["block"] = False; i = j + 2; continue
        if state["multi"]:
            j = line.find('"""', i)
            if j < 0: return "".join(out)
            state["multi"] = False; i = j + 3; out.append('""'); continue
        if line.startswith("//", i): break
        if line.startswith("/*", i): state["block"] = True; i += 2; continue
        if line.startswith('"""', i): state["multi"] = True; i += 3; continue
        if line[i] == '"':
            j, depth = i + 1, 0
            while j < len(line):
                if line[j] == "\\" and j + 1 < len(line) and line[j + 1] == "(":
                    depth += 1; j += 2; continue
                if depth and line[j] == ")": depth -= 1
                elif line[j] == "\\": j += 1
                elif line[j] == '"' and not depth: break
                j += 1
            out.append('""'); i = j + 1; continue
        out.append(line[i]); i += 1
    return "".join(out)

unwrap = re.compile(r'(\btry!|\bas!|[\w\)\]\?]!(?!=))')

def found():
    for folder, _, files in sorted(os.walk(os.path.join(root, "Sources"))):
        for name in sorted(files):
            if not name.endswith(".swift"): continue
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, os.path.join(root, "Sources"))
            state = {"block": False, "multi": False}
            with open(path, encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    if unwrap.search(code_only(line.rstrip("\n"), state)):
                        yield rel, n, line.strip()

entries = []
for k, raw in enumerate(open(allow_path, encoding="utf-8"), 1):
    if not raw.strip() or raw.lstrip().startswith("#"): continue
    parts = [p.strip() for p in raw.rstrip("\n").split(" | ")]
    if len(parts) != 3 or not parts[2]:
        print(f"{allow_path}:{k}: an entry is `file | regex | why`: {raw.strip()}", file=sys.stderr); sys.exit(2)
    entries.append((k, parts[0], re.compile(parts[1]), parts[2]))

hits = list(found())
if "--list" in sys.argv:
    for p, n, l in hits: print(f"{p}:{n}: {l}")
    sys.exit(0)
used, bad = set(), []
for p, n, l in hits:
    match = next((e for e in entries if (e[1] == "*" or e[1] == p) and e[2].search(l)), None)
    if match: used.add(match[0])
    else: bad.append((p, n, l))
for p, n, l in bad:
    print(f"Sources/{p}:{n}: force unwrap that no entry of scripts/force-unwrap-allowlist.txt justifies: {l}", file=sys.stderr)
stale = [e for e in entries if e[0] not in used]
for k, f, r, _ in stale:
    print(f"{allow_path}:{k}: entry matches no force unwrap any more ({f} | {r.pattern}): remove it", file=sys.stderr)
if bad or stale: sys.exit(1)
print(f"force unwraps in Sources/: {len(hits)}, each justified by one of {len(entries)} entries of the allow-list")
