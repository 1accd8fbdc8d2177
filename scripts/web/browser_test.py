"""Tests the platform as a person uses it: a real browser (Debian's chromium, driven by Playwright)
against a real server on the demo world. Signs in as each demo user, opens every page and runs
axe-core on it (any critical or serious violation fails), runs the calculator, uploads a customs
sample and a declarations extract and sees the statistics change, checks that a district user cannot
reach another district's enterprise by page or by API, opens a 运力券 batch and requests a voucher by
keyboard, imports a premium list with a bad line, files, approves, pays, prints the notice and the
payout cover sheet on A4 portrait (one page each, nothing wider than the paper), and saves
screenshots into docs/screenshots/ (the README shows them).

Usage: browser_test.py BASE_URL PASSWORD SCREENSHOT_DIR REPOSITORY
Environment: KUAJING_TOKEN_BINJIANG (a bearer token of demo-binjiang), CHROMIUM (the executable).
"""
import json
import os
import re
import sys
import tempfile
import urllib.error
import urllib.request

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

base, password, shots, repo = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        failures.append(what)


PAGES = {
    "demo-admin": ["/", "/my-tasks", "/monitor", "/report", "/match", "/plans", "/enterprises", "/policies", "/policies/hangzhou-2024",
                   "/policies-compare", "/calculator", "/import-tax", "/monitor/imports", "/imports", "/admin/users", "/audit/access-log", "/applications", "/vouchers", "/audit/trail", "/payouts"],
    "demo-analyst": ["/", "/my-tasks", "/monitor", "/report", "/match", "/plans", "/enterprises", "/policies", "/calculator", "/import-tax", "/monitor/imports", "/imports", "/applications",
                     "/vouchers", "/payouts"],
    "demo-binjiang": ["/", "/my-tasks", "/monitor", "/monitor/imports", "/report", "/plans", "/enterprises", "/policies", "/calculator", "/import-tax", "/imports", "/applications", "/vouchers",
                      "/payouts"],
    "demo-enterprise": ["/", "/my-tasks", "/monitor", "/monitor/imports", "/enterprises", "/policies", "/calculator", "/import-tax", "/applications", "/vouchers"],
    "demo-auditor": ["/", "/my-tasks", "/monitor", "/monitor/imports", "/report", "/match", "/plans", "/enterprises", "/policies", "/import-tax", "/admin/users", "/audit/access-log",
                     "/applications", "/vouchers", "/audit/trail", "/payouts"],
}
axe = Axe()
axe_counts = {}


def accessible(page, what):
    """axe-core (WCAG 2.1 A and AA rules) on the page as shown; every critical or serious violation fails."""
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
                                     "resultTypes": ["violations"]})
    bad = [v for v in results.response["violations"] if v.get("impact") in ("critical", "serious")]
    for v in bad:
        axe_counts[v["id"]] = axe_counts.get(v["id"], 0) + len(v["nodes"])
    check(not bad, f"{what}: no critical or serious axe violation " + "; ".join(f"{v['id']} ×{len(v['nodes'])} ({v['nodes'][0]['target']})" for v in bad[:3]))


# Cells holding a long text (more than 24 characters) narrower than 110 px: under eight characters a line.
SQUEEZED_CELLS = """Array.from(document.querySelectorAll('td')).filter(c => c.offsetParent !== null && c.innerText.trim().length > 24
                    && c.getBoundingClientRect().width < 110).map(c => c.innerText.trim().slice(0, 20)).slice(0, 5)"""
A4_CSS_PX = 718   # 210 mm less the print margins (12 mm each side) at 96 px per inch


def prints_on_a4(page, what, pages=None):
    """The page in print media at the width of A4 portrait's line: nothing wider than the paper, no
    header cell squeezed under two characters; printed to PDF, the number of A4 pages when asked."""
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_CSS_PX, "height": 1000})
    width = page.evaluate("document.documentElement.scrollWidth")
    narrow = page.evaluate("""Array.from(document.querySelectorAll('th')).filter(c => c.offsetParent !== null && c.innerText.trim().length > 1
                              && c.getBoundingClientRect().width < 26).map(c => c.innerText.trim()).slice(0, 5)""")
    squeezed = page.evaluate(SQUEEZED_CELLS)
    check(width <= A4_CSS_PX + 2, f"{what} fits A4 portrait in print ({width} px of {A4_CSS_PX})")
    check(not squeezed, f"{what}: no long text in a column a few characters wide {squeezed}")
    check(not narrow, f"{what}: no column squeezed in print {narrow}")
    pdf = os.path.join(tempfile.gettempdir(), "kuajing-print.pdf")
    page.pdf(path=pdf, format="A4", print_background=True)
    count = int(re.search(r"Pages:\s+(\d+)", os.popen(f"pdfinfo {pdf}").read()).group(1))
    if pages is not None:
        check(count == pages, f"{what} prints on {pages} A4 page(s) ({count})")
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1360, "height": 900})
    return pdf
# The screenshots the README shows: (user, path, file).
SHOTS = [("demo-admin", "/", "dashboard"), ("demo-admin", "/monitor?by=month&by=code", "monitor"), ("demo-analyst", "/report", "report"),
         ("demo-admin", "/vouchers", "vouchers"), ("demo-analyst", "/applications", "applications"),
         ("demo-admin", "/plans", "plans"), ("demo-binjiang", "/enterprises", "enterprises"), ("demo-admin", "/policies/hangzhou-2024", "policy"),
         ("demo-admin", "/policies-compare", "compare"), ("demo-auditor", "/audit/access-log", "access-log"),
         ("demo-admin", "/monitor/imports", "import-monitor")]


def sign_in(page, user):
    page.goto(base + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    check("/login" not in page.url, f"{user} signs in")


def monitor_total(page):
    page.goto(base + "/monitor?by=month")
    text = page.inner_text("main")
    m = re.search(r"合计 (\d+) 条记录，([\d,]+\.\d{2}) 元", text)
    return (int(m.group(1)), m.group(2)) if m else (None, None)


with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
    for user, paths in PAGES.items():
        context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
        page = context.new_page()
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        sign_in(page, user)
        for path in paths:
            response = page.goto(base + path)
            check(response is not None and response.status == 200, f"{user} opens {path} ({response.status if response else 'no answer'})")
            check("跨境电商" in page.content(), f"{user} {path} is in Chinese")
            accessible(page, f"{user} {path}")
        for (who, path, name) in SHOTS:
            if who == user:
                page.goto(base + path)
                page.screenshot(path=f"{shots}/{name}.png", full_page=False)
        check(not errors, f"{user}: no script or CSP errors in the console {errors[:3]}")
        if user == "demo-enterprise":
            page.goto(base + "/admin/users")
            check("无权" in page.inner_text("main"), "an enterprise user is refused the user list")
            page.goto(base + "/")
            page.screenshot(path=f"{shots}/enterprise.png")
        if user == "demo-binjiang":
            # Another district's enterprise: not by page, not by API.
            page.goto(base + "/monitor/imports")
            check(page.query_selector("#import-buyers") is None, "零售进口: a district user sees no buyers' figures (they cross districts)")
            other = os.environ["KUAJING_OTHER_ENTERPRISE"]
            response = page.goto(base + "/enterprises/" + other)
            check(response.status == 404, f"demo-binjiang cannot open {other} of another district by page ({response.status})")
            req = urllib.request.Request(base + "/api/v1/enterprises/" + other, headers={"Authorization": "Bearer " + os.environ["KUAJING_TOKEN_BINJIANG"]})
            try:
                urllib.request.urlopen(req)
                check(False, "demo-binjiang cannot read another district's enterprise by API")
            except urllib.error.HTTPError as e:
                check(e.code == 404, f"demo-binjiang cannot read another district's enterprise by API ({e.code})")
        if user == "demo-analyst":
            # The calculator: 30万 of overseas trademark registration in 滨江区.
            page.goto(base + "/calculator")
            page.select_option("select[name=district]", "滨江区")
            page.select_option("select[name=matter0]", "trademark_registration")
            page.fill("input[name=amount0]", "300000")
            page.fill("input[name=date0]", "2025-06-01")
            page.click("form.card button[type=submit]")
            page.wait_for_load_state("networkidle")
            results = page.inner_text("#calc-results")
            check("200,000.00" in results, "the calculator awards 200,000.00 yuan (杭州 附件（十二）, capped)")
            page.screenshot(path=f"{shots}/calculator.png", full_page=True)
            # A bad amount is refused with a message naming the field.
            page.fill("input[name=amount0]", "-5")
            page.click("form.card button[type=submit]")
            page.wait_for_load_state("networkidle")
            check("amount" in page.inner_text("main"), "a negative amount is refused, naming the field")
            # 进口税费: the spec's worked order (精华液 800 元 + 运费 20 元, 15% 消费税, 23,000 元 used) and its return on day 20.
            page.goto(base + "/import-tax")
            page.fill("input[name=quota_used]", "23000.00")
            page.fill("input[name=freight]", "20.00")
            page.check("input[name=with_return]")
            page.click("#import-tax-form button[type=submit]")
            page.wait_for_load_state("networkidle")
            results = page.inner_text("#import-tax-results")
            check("189.08" in results and "23,820.00" in results, "进口税费: 101.29 + 87.79 = 189.08 yuan, quota 23,000.00 → 23,820.00")
            check("退货，税款不予征收" in results, "进口税费: the return on day 20 is refunded")
            accessible(page, "demo-analyst /import-tax with results")
            page.screenshot(path=f"{shots}/import-tax.png", full_page=True)
            page.goto(base + "/monitor/imports")
            check(page.query_selector("#import-buyers") is not None, "零售进口: the city's analyst sees the buyers in aggregate")
            check(re.search(r"[1-9][0-9]{16}[0-9X]", page.content()) is None, "零售进口: no ID number on the page")
            prints_on_a4(page, "运行监测 · 零售进口")
            # Upload: a customs sample (CEB603), then a declarations extract that the statistics count.
            before = monitor_total(page)
            page.goto(base + "/imports")
            page.set_input_files("#upload-file", f"{repo}/reference/customs-samples/CEB603Message.gacc2018.xml")
            page.click("#upload-form button[type=submit]")
            page.wait_for_selector("#import-outcome", timeout=30000)
            check("导入结果" in page.inner_text("#import-outcome"), "the customs sample is imported and its outcome shown")
            page.screenshot(path=f"{shots}/imports.png", full_page=True)
            extract = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8")
            extract.write("\ufeffdeclaration_no,date,direction,supervision_code,enterprise_id,enterprise_name,district,customs_code,country,hs_code,value_cny,currency,value_original,status\n")
            extract.write(f"BROWSER00000000001,2025-11-20,E,9710,{os.environ['KUAJING_ENTERPRISE']},浏览器测试,滨江区,2992,502,8517620000,12345.67,142,12345.67,放行\n")
            extract.close()
            page.goto(base + "/imports")
            page.set_input_files("#upload-file", extract.name)
            page.click("#upload-form button[type=submit]")
            page.wait_for_selector("#import-outcome", timeout=30000)
            check("接收 1 条" in page.inner_text("#import-outcome").replace("\n", " ") or "接收 1" in page.inner_text("#import-outcome"), "the declaration is accepted")
            after = monitor_total(page)
            check(before[0] is not None and after[0] == before[0] + 1, f"the statistics count one more record ({before} → {after})")
            # A file of the wrong kind is refused.
            wrong = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False)
            wrong.write("not a message")
            wrong.close()
            page.goto(base + "/imports")
            page.set_input_files("#upload-file", wrong.name)
            page.click("#upload-form button[type=submit]")
            page.wait_for_load_state("networkidle")
            check("文件类型不对" in page.content(), "a file of the wrong kind is refused with a clear message")
        context.close()
    # 运力券 in the browser: the administrator opens a batch; a 免申即享 premium list with a bad line is
    # refused with that line named, and nothing is stored.
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, "demo-admin")
    page.goto(base + "/vouchers")
    page.fill("#open-batch input[name=label]", "浏览器测试批")
    page.fill("#open-batch input[name=amount]", "1000.00")
    page.click("#open-batch button[type=submit]")
    page.wait_for_load_state("networkidle")
    check("已开放第" in page.inner_text("main"), "the administrator opens a 运力券 batch from the page")
    premiums = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8", prefix="premiums-")
    claim_date = os.environ.get("KUAJING_CLAIM_DATE", "2026-03-10")
    premiums.write("enterprise_id,enterprise_name,policy_no,premium,paid_date,insurer\n")
    premiums.write(f"{os.environ['KUAJING_ENTERPRISE']},浏览器测试,P-BROWSER-1,12000.00,{claim_date},中国信保\n")
    premiums.write(f"{os.environ['KUAJING_ENTERPRISE']},浏览器测试,P-BROWSER-2,一万二,{claim_date},中国信保\n")
    premiums.close()
    page.goto(base + "/imports")
    page.check("#facts-form input[value=credit_insurance_premiums]")
    page.set_input_files("#facts-form input[name=file]", premiums.name)
    page.click("#facts-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    refused = page.inner_text("#facts-refused") if page.query_selector("#facts-refused") else ""
    name = os.path.basename(premiums.name)
    check(f"{name}:3" in refused and "premium" in refused and "整份文件未导入" in refused, f"the premium list's bad line is named and nothing is imported ({refused[:120]!r})")
    page.screenshot(path=f"{shots}/imports-facts.png", full_page=True)
    accessible(page, "数据导入 with a refused file")
    context.close()
    # The enterprise requests a voucher with the keyboard (tab from field to field, Enter on the button).
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, "demo-enterprise")
    page.goto(base + "/vouchers")
    page.focus("#request-voucher input[name=contract_no]")
    page.keyboard.type("HT-BROWSER-1")
    page.keyboard.press("Tab")
    page.keyboard.type("30000")
    page.keyboard.press("Tab")
    page.keyboard.type("顺丰速运")
    page.keyboard.press("Tab")
    page.fill("#request-voucher input[name=date]", claim_date)
    page.focus("#request-voucher input[name=date]")
    # A date input takes Tab through its year, month and day first.
    focused = ""
    for _ in range(4):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent")
        if focused == "申领":
            break
    check(focused == "申领", f"Tab reaches the request button after the last field ({focused!r})")
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    text = page.inner_text("main")
    check("运力券第" in text and "已发放 1,000.00 元" in text, "the enterprise's voucher is issued for what the batch holds (1,000.00 of 1,500.00)")
    page.screenshot(path=f"{shots}/voucher-request.png", full_page=False)
    context.close()
    # The administrator withdraws it with a reason; the amount goes back to the pool.
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, "demo-admin")
    page.goto(base + "/vouchers?status=issued")
    page.fill("#vouchers input[name=reason]", "浏览器测试：合同已作废")
    page.click("#vouchers button[type=submit]")
    page.wait_for_load_state("networkidle")
    check("已取消运力券第" in page.inner_text("main"), "the administrator cancels a voucher with its reason")
    pool = page.inner_text("#voucher-pool")
    check("1,000.00" in pool, "the pool shows the batch released and the amount back")
    context.close()
    # Cash-out in the browser: the enterprise files with an evidence file and sees the engine's amount
    # at once; the analyst approves with a reason; the auditor sees both steps in the audit trail.
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, "demo-enterprise")
    invoice = tempfile.NamedTemporaryFile("wb", suffix=".pdf", delete=False)
    invoice.write(b"%PDF-1.4 browser test invoice")
    invoice.close()
    page.goto(base + "/applications")
    page.select_option("#file-application select[name=matter]", "trademark_registration")
    page.fill("#file-application input[name=date]", os.environ.get("KUAJING_CLAIM_DATE", "2026-03-10"))
    page.fill("#file-application input[name=amount]", "300000")
    page.set_input_files("#file-application input[name=evidence]", invoice.name)
    page.click("#file-application button[type=submit]")
    page.wait_for_load_state("networkidle")
    text = page.inner_text("main")
    check("已受理" in text and "200,000.00" in text, "the enterprise's application is accepted with the engine's 200,000.00 yuan")
    match = re.search(r"/applications/(\d+)", page.url) or re.search(r"第 (\d+) 号申报", text)
    application = match.group(1) if match else "1"
    page.screenshot(path=f"{shots}/application-filed.png", full_page=True)
    response = page.goto(base + "/audit/trail")
    check(response.status == 403, f"an enterprise user is refused the audit trail ({response.status})")
    context.close()
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, "demo-analyst")
    page.goto(base + "/my-tasks")
    check(page.query_selector(f"#my-tasks a[href='/applications/{application}']") is not None, "the new application waits in the analyst's 我的待办")
    page.screenshot(path=f"{shots}/my-tasks.png", full_page=False)
    page.goto(base + "/applications?status=submitted&sort=due")
    check(page.query_selector(f"#applications a[href='/applications/{application}']") is not None, "the list filtered to 待审核 holds it")
    with page.expect_download() as download:
        page.click("#application-filters a:has-text('Excel')")
    check(open(download.value.path(), "rb").read(2) == b"PK", "the filtered list downloads as a workbook")
    prints_on_a4(page, "申报列表")
    page.goto(base + "/applications/" + application)
    page.select_option("#review select[name=decision]", "approve")
    page.fill("#review textarea[name=reason]", "材料齐全，按政策核准")
    page.click("#review button[type=submit]")
    page.wait_for_load_state("networkidle")
    check("已核准" in page.inner_text("main"), "the analyst approves the application")
    page.screenshot(path=f"{shots}/application-review.png", full_page=True)
    page.click("#notice-link")
    page.wait_for_load_state("networkidle")
    notice = page.inner_text("#notice")
    check("核定通知书" in notice and "200,000.00" in notice and "杭政办函〔2024〕52号" in notice and "SHA-256" in notice and "审计记录" in notice,
          "the decided application has its notice: amount, clause, audit entry, evidence digest")
    accessible(page, "the notice")
    page.screenshot(path=f"{shots}/notice.png", full_page=True)
    prints_on_a4(page, "the notice", pages=1)
    context.close()
    # The administrator freezes the approved award into a payment batch and records it paid.
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, "demo-admin")
    page.goto(base + "/payouts")
    page.click("#export button[type=submit]")
    page.wait_for_load_state("networkidle")
    text = page.inner_text("main")
    check("已导出第" in text and "200,000.00" in text, "the administrator exports the payment batch with the approved 200,000.00 yuan")
    with page.expect_download() as download:
        page.click("#batches a:has-text('CSV')")
    csv = open(download.value.path(), encoding="utf-8-sig").read()
    check("国库集中支付文件" in csv and "200000.00" in csv and "Ed25519" in csv, "the payment file has its lines, the total and the signed checkpoint")
    page.fill("#batches input[name=reference]", "国库支付-浏览器测试-001")
    page.click("#batches button[type=submit]")
    page.wait_for_load_state("networkidle")
    check("已登记" in page.inner_text("main"), "the batch is recorded as paid")
    page.screenshot(path=f"{shots}/payouts.png", full_page=False)
    page.click("#batches a:has-text('封面')")
    page.wait_for_load_state("networkidle")
    cover = page.inner_text("#payout-cover")
    check("支付批次封面" in cover and "200,000.00" in cover and "经办人" in cover, "the payment batch has its cover sheet")
    accessible(page, "the payout cover sheet")
    prints_on_a4(page, "the payout cover sheet", pages=1)
    page.goto(base + "/payouts")
    with page.expect_download() as download:
        page.click("#batches a:has-text('Excel')")
    check(open(download.value.path(), "rb").read(2) == b"PK", "the batch downloads as a workbook (.xlsx)")
    context.close()
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, "demo-auditor")
    page.goto(base + "/audit/trail")
    trail = page.inner_text("#audit-entries")
    check("提交申报" in trail and "初审" in trail and "导出支付批次" in trail and "登记已支付" in trail, "the auditor sees the filing, the review, the export and the payment in the audit trail")
    page.screenshot(path=f"{shots}/audit-trail.png", full_page=False)
    context.close()
    # Print: the monthly report on A4.
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    sign_in(page, "demo-analyst")
    page.goto(base + "/report")
    quotes = page.query_selector_all("tr.quote")
    check(len(quotes) > 0, "the 月报's quotations are notes under their rows")
    prints_on_a4(page, "the monthly report")
    page.goto(base + "/plans")
    prints_on_a4(page, "目标与任务")
    browser.close()
    print("axe (critical and serious, all pages and roles): " + (json.dumps(axe_counts, ensure_ascii=False) if axe_counts else "none"), flush=True)

if failures:
    print(f"{len(failures)} browser checks failed", file=sys.stderr)
    sys.exit(1)
print("browser test passed")
