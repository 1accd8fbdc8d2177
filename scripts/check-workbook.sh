#!/usr/bin/env bash
# The monthly workbook as an office suite prints it: the 杭州市 report of 2025-06 on the demo world
# (模拟数据), converted to PDF by LibreOffice Calc (headless), must fit A4 landscape in at most 10
# pages and show its figures formatted (thousands separators, percentages), never as raw integers.
set -euo pipefail
k=${1:-.build/debug/kuajing}
dir=$(mktemp -d /tmp/kuajing-workbook.XXXXXX)
trap 'rm -rf "$dir"' EXIT
"$k" demo seed --through 2025-06 --db "$dir/demo.sqlite" --out "$dir/demo" > /dev/null
"$k" report monthly --scope 杭州市 --month 2025-06 --out "$dir/hz.xlsx" --db "$dir/demo.sqlite"
HOME="$dir" soffice --headless --convert-to pdf --outdir "$dir" "$dir/hz.xlsx" > /dev/null 2>&1
pages=$(pdfinfo "$dir/hz.pdf" | awk '/^Pages:/ {print $2}')
text=$(pdftotext -layout "$dir/hz.pdf" -)
fail=0
check() { if eval "$2"; then echo "  ✓ $1"; else echo "  ✗ $1"; fail=1; fi; }
echo "月报工作簿（LibreOffice Calc 打印为 PDF）：$pages 页"
check "at most 10 A4 pages" '[ "$pages" -le 10 ]'
check "1—6月出口 with thousands separators (34,760,000,000.00)" 'grep -q "34,760,000,000.00" <<<"$text"'
check "出口同比 as a percentage (21.5%)" 'grep -q "21.5%" <<<"$text"'
check "no amount printed as a bare integer" '! grep -qE "(^|[^0-9,.])34760000000([^0-9]|$)" <<<"$text"'
check "the chart titles are drawn" 'grep -q "杭州市跨境电商出口（元）" <<<"$text"'
check "every sheet printed (目标进展 among them)" 'grep -q "预测方法" <<<"$text"'
exit $fail
