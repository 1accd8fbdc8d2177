#!/usr/bin/env python3
"""Drafts the `tasks:` block of a plans/*.yaml file from a seed text (developer tool).

Reads the numbered tasks of the section 主要任务/主要措施 up to the next top-level section, joins the
lines the extraction broke, and splits off the 责任单位 bracket: lead = the first unit named.
Its output is a draft: the plan file is what is reviewed and checked (`kuajing plans check`).
Usage: scripts/extract-plan-tasks.py SEED_FILE
"""
import re
import sys
import unicodedata

TOP = re.compile(r'^[一二三四五六七八九十]+、')
SECTION = re.compile(r'^[（(][一二三四五六七八九十]+[）)]')
TASK = re.compile(r'^([0-9０-９]{1,2})\s*[.．]\s*')
UNITS = re.compile(r'[（(\[［]\s*责任单位\s*[：:](.*?)[）)\]］]?\s*$')


def join(lines):
    out = ''
    for l in lines:
        l = l.strip()
        if out and out[-1].isascii() and out[-1].isalnum() and l[:1].isascii() and l[:1].isalnum():
            out += ' '
        out += l
    return out


def main(path):
    text = open(path, encoding='utf-8').read().split('\n')
    start = next(i for i, l in enumerate(text) if re.match(r'^\s*二、主要(任务|措施)', l))
    paragraphs, current, section = [], None, ''
    for l in text[start + 1:]:
        s = l.strip()
        if TOP.match(s) or s.startswith('附件'):
            break
        if not s:
            continue
        if SECTION.match(s):
            if current: paragraphs.append(current)
            current = None
            section = s.rstrip('。')
            continue
        m = TASK.match(s)
        if m:
            if current: paragraphs.append(current)
            current = {'no': unicodedata.normalize('NFKC', m.group(1)), 'section': section, 'lines': [s[m.end():]]}
        elif current:
            current['lines'].append(s)
    if current: paragraphs.append(current)
    for p in paragraphs:
        body = join(p['lines'])
        units = []
        m = re.search(r'[（(\[［]\s*责任单位\s*[：:]', body)
        if m:
            bracket = body[m.end():]
            bracket = re.sub(r'[）)\]］]\s*$', '', bracket)
            body = body[:m.start()].rstrip()
            # Unit lists are split on 、 and ， outside brackets; a sentence after the list is a note.
            note = ''
            if '。' in bracket:
                bracket, note = bracket.split('。', 1)
            depth, unit, units = 0, '', []
            for ch in bracket:
                if ch in '（(<〔':
                    depth += 1
                elif ch in '）)>〕':
                    depth -= 1
                if ch in '、，,；;' and depth == 0:
                    units.append(unit.strip())
                    unit = ''
                else:
                    unit += ch
            units.append(unit.strip())
            units = [u for u in units if u]
            # "各区、县（市）政府" names one set of units, as does "各市、县（市、区）政府".
            merged = []
            for u in units:
                if merged and merged[-1] in ('各区', '各市') and u.startswith('县'):
                    merged[-1] += '、' + u
                else:
                    merged.append(u)
            units = merged
            if note.strip():
                p['note'] = note.strip().rstrip('）)')
        title = re.split(r'[。:：]', body, maxsplit=1)[0]
        q = lambda s: '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'
        print(f'  - clause: "{p["no"]}"')
        print(f'    section: {q(p["section"])}')
        print(f'    title: {q(title)}')
        print(f'    text: {q(body)}')
        if units:
            print(f'    lead: {q(units[0])}')
            print(f'    units: [{", ".join(q(u) for u in units)}]')
        if p.get('note'):
            print(f'    units_note: {q(p["note"])}')


if __name__ == '__main__':
    main(sys.argv[1])
