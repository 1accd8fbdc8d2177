#!/usr/bin/env python3
"""Regenerates Sources/KuajingDomain/DivisionTable.swift from shared/reference/divisions.csv."""
import pathlib, sys
root = pathlib.Path(__file__).resolve().parent.parent
src = (root.parent / 'shared/reference/divisions.csv').read_text(encoding='utf-8') if len(sys.argv) < 2 else pathlib.Path(sys.argv[1]).read_text(encoding='utf-8')
out = ('// Generated from shared/reference/divisions.csv (administrative divisions with GB/T 2260 codes, plus\n'
       '// functional zones without a code). Regenerate with `python3 scripts/embed-divisions.py`; a test checks\n'
       '// that this copy equals the shared file when the latter is present.\n'
       'extension DivisionCatalog {\n    public static let embeddedCSV = """\n' + src.rstrip('\n') + '\n"""\n}\n')
(root / 'Sources/KuajingDomain/DivisionTable.swift').write_text(out, encoding='utf-8')
