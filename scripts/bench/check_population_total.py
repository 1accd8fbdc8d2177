#!/usr/bin/env python3
"""Independent check of `kuajing calc` on a generated population ledger: recomputes the total award
with Python integers (half-up rounding to the fen, the four 杭州 rates and caps). Valid for ledgers from
`kuajing generate claims`, where each enterprise has one claim per matter, so per-claim caps decide."""
import csv, sys
rates = {"own_brand_promotion": (25, 100, 50_000_000), "platform_promotion": (25, 100, 50_000_000),
         "credit_insurance": (60, 100, 500_000_000), "trademark_registration": (70, 100, 20_000_000)}
total = 0
with open(sys.argv[1], newline='') as f:
    for row in csv.DictReader(f):
        y, _, c = row["amount"].partition(".")
        fen = int(y) * 100 + int((c + "00")[:2])
        num, den, cap = rates[row["matter"]]
        award = (fen * num * 2 + den) // (2 * den)   # half up
        total += min(award, cap)
print(f"{total // 100}.{total % 100:02d}")
