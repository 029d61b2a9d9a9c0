"""What a walk through the demo at 375, 768, 992 and 1280 px, normal and 适老化模式, found cut, squeezed or
unfocused: each check below failed before its fix (in static/css, static/js or the page's template)."""

import contextlib

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .test_a11y_crawl import ROLES, _log_in


def _context(browser, base, width, elder, **options):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": width, "height": 900}, reduced_motion="reduce", **options
    )
    context.set_default_timeout(30000)
    if elder:
        context.add_cookies([{"name": "mm_elder", "value": "1", "url": base}])
    return context


# Cells of the 买方 and 卖方 columns: [text, lines].
_PARTIES = """() => [...document.querySelectorAll('main table tbody tr')].slice(0, 12).flatMap(tr =>
    [tr.cells[3], tr.cells[4]].filter(Boolean).map(td => {
      const text = td.textContent.trim(), r = document.createRange(); r.selectNodeContents(td);
      const lines = new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top))).size;
      return [text, lines]; }))"""


def test_contract_parties_and_filter_button_in_elder_mode(browser, demo_server):
    """技术合同 in 适老化模式: at 1280 px (a table) 买方 and 卖方 keep six characters a line (康宁生物医药科技有限公司
    read three a line, 南方理工大学 likewise); at 992 and 1280 px the 筛选 button comes after every filter, in the filters'
    last row (it sat between 有效合同 and 签订自, wrapped onto the second row, before the dates a keyboard reached next)."""
    base = demo_server["url"]
    context = _context(browser, base, 1280, elder=True)
    try:
        page = context.new_page()
        _log_in(page, base, ROLES["broker"])
        page.goto(base + "/contracts/")
        cells = page.evaluate(_PARTIES)
        assert cells
        narrow = [(text, lines) for text, lines in cells if lines > -(-len(text) // 6)]
        assert not narrow, f"买方/卖方 set at fewer than six characters a line: {narrow}"
        for width in (992, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(base + "/contracts/")
            where = page.evaluate(
                """() => { const form = document.querySelector('main form[method=get]');
                     const controls = [...form.querySelectorAll('input:not([type=hidden]), select, button')];
                     const button = controls.find(c => c.tagName === 'BUTTON');
                     return {last: controls[controls.length - 1] === button,
                             top: button.getBoundingClientRect().top,
                             lowest: Math.max(...controls.map(c => c.getBoundingClientRect().top))}; }"""
            )
            assert where["last"], "筛选 is not the filter form's last control"
            assert where["top"] >= where["lowest"] - 12, (width, where)
    finally:
        context.close()


# Boxes whose placeholder is wider than the room inside them, and hints shown under their box.
_HINTS = """() => { const c = document.createElement('canvas').getContext('2d');
  const cut = [...document.querySelectorAll('main input[placeholder]')].filter(e => e.offsetParent && e.placeholder).map(e => {
    const s = getComputedStyle(e); c.font = s.font;
    return [e.name, e.placeholder, Math.round(c.measureText(e.placeholder).width),
            Math.round(e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight))];
  }).filter(([, , need, room]) => need > room);
  const q = document.querySelector('main input[name=q]');
  const hint = (q.getAttribute('aria-describedby') || '').split(' ').map(id => document.getElementById(id))
    .find(h => h && h.classList.contains('mm-hint'));
  return {cut, placeholder: q.placeholder, hint: hint ? hint.textContent : null,
          hintVisible: !!hint && hint.getBoundingClientRect().right <= document.documentElement.clientWidth}; }"""


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_long_search_hints_show_whole_on_a_phone(browser, demo_server, elder):
    """技术需求 and 科技成果 on a 375 px phone: the search box's hint (输入技术难题、产品或关键词，如：锂电池 热管理) was cut
    off inside the box (输入技术难题、产); it shows whole under the box, tied to it, and goes back inside it at 1280 px."""
    base = demo_server["url"]
    context = _context(browser, base, 375, elder)
    try:
        page = context.new_page()
        for path in ("/needs/", "/results/"):
            page.set_viewport_size({"width": 375, "height": 667})
            page.goto(base + path)
            found = page.evaluate(_HINTS)
            assert not found["cut"], f"{path}: hints cut off: {found['cut']}"
            assert found["hint"] and "如：" in found["hint"] and found["hintVisible"], (path, found)
            page.set_viewport_size({"width": 1280, "height": 900})
            with contextlib.suppress(PlaywrightTimeout):  # the page's resize handler runs after the resize returns
                page.wait_for_function("() => !document.querySelector('main .mm-hint')", timeout=5000)
            found = page.evaluate(_HINTS)
            assert "如：" in found["placeholder"] and found["hint"] is None, (path, found)
    finally:
        context.close()


_CHART_TEXT = """() => [...document.querySelectorAll('[data-chart]')].map(el => echarts.getInstanceByDom(el))
  .filter(Boolean).map(c => c.getOption()).filter(o => o.xAxis && o.xAxis.length).map(o => ({
    axis: o.xAxis[0].axisLabel.fontSize, values: o.yAxis[0].axisLabel.fontSize, legend: o.legend[0].textStyle.fontSize,
    rotate: o.xAxis[0].axisLabel.rotate, count: o.xAxis[0].data.length}))"""


def test_report_chart_text_follows_elder_mode(browser, demo_server):
    """统计报表's charts: in 适老化模式 their axis labels and legends are a quarter larger, as the page's text is (ECharts drew
    them at 12 px in both modes); the quarters' labels, too wide side by side then, are slanted rather than every other
    one dropped."""
    base = demo_server["url"]
    sizes = {}
    for elder in (False, True):
        context = _context(browser, base, 1280, elder)
        try:
            page = context.new_page()
            _log_in(page, base, ROLES["admin"])
            page.goto(base + "/reports/")
            page.wait_for_function("document.querySelectorAll('[data-chart] canvas').length > 0")
            sizes[elder] = page.evaluate(_CHART_TEXT)
        finally:
            context.close()
    assert sizes[False] and sizes[True]
    assert all(c["axis"] == c["values"] == c["legend"] == 12 for c in sizes[False]), sizes[False]
    assert all(c["axis"] == c["values"] == c["legend"] == 15 for c in sizes[True]), sizes[True]
    quarters = [c for c in sizes[True] if c["count"] == 4]
    assert quarters and all(c["rotate"] == 30 for c in quarters), sizes[True]


_FOCUS_BLUE = (11, 79, 138)  # --mm-focus, #0b4f8a


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_date_calendar_button_shows_its_focus(browser, demo_server, elder):
    """Tab from a date box's year reaches Chrome's calendar button: it shows the focus outline (it had a faint 1 px
    black ring, and the box lost its own outline), and it does not once the focus moves on."""
    from io import BytesIO

    from PIL import Image

    base = demo_server["url"]
    context = _context(browser, base, 1280, elder)

    def blue_pixels(page, box):
        shot = page.screenshot(clip={"x": box["x"] + box["width"] - 60, "y": box["y"] - 6, "width": 66,
                                     "height": box["height"] + 12})  # fmt: skip
        data = Image.open(BytesIO(shot)).convert("RGB").tobytes()
        pixels = (data[i : i + 3] for i in range(0, len(data), 3))
        return sum(1 for px in pixels if all(abs(a - b) <= 12 for a, b in zip(px, _FOCUS_BLUE, strict=True)))

    try:
        page = context.new_page()
        _log_in(page, base, ROLES["broker"])
        page.goto(base + "/contracts/")
        page.focus("#f-from")  # month, day, year, then the calendar button
        for _ in range(3):
            page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "f-from"
        assert not page.evaluate("document.activeElement.matches(':focus')")  # the button inside has it
        box = page.locator("#f-from").bounding_box()
        assert blue_pixels(page, box) >= 40, "the calendar button shows no focus outline"
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "f-to"
        assert blue_pixels(page, box) == 0
    finally:
        context.close()


# The cards of stacked list tables: per labelled cell, its left padding (where its value starts) and whether its
# column name fits the room given to names.
_CARDS = """() => { const c = document.createElement('canvas').getContext('2d');
  return [...document.querySelectorAll('table.mm-stack tbody td[data-label]:not([data-label=""])')].filter(td => td.offsetParent)
    .map(td => { const s = getComputedStyle(td), b = getComputedStyle(td, '::before');
      c.font = b.fontWeight + ' ' + b.fontSize + ' ' + b.fontFamily;
      return [td.getAttribute('data-label'), Math.round(parseFloat(s.paddingLeft)), s.fontSize,
              Math.round(c.measureText(td.getAttribute('data-label')).width), Math.round(parseFloat(b.width))]; }); }"""


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_card_values_line_up_on_a_phone(browser, demo_server, elder):
    """Stacked list rows on a 375 px phone (质押融资 as an enterprise, 账号管理 as an admin): every column name fits its
    room (拟融资（万元） ran into its figure), and every value starts at the same place in the same size (a date or
    最近登录, set small, stood 16 px left of the others, its dash out of line)."""
    base = demo_server["url"]
    bad = {}
    for role, path in (("enterprise", "/financing/"), ("admin", "/admin/users")):
        context = _context(browser, base, 375, elder)
        try:
            page = context.new_page()
            _log_in(page, base, ROLES[role])
            page.goto(base + path)
            cells = page.evaluate(_CARDS)
            assert cells, path
            if len({pad for _, pad, _, _, _ in cells}) > 1 or len({size for _, _, size, _, _ in cells}) > 1:
                bad[path] = f"values start at {sorted({(label, pad, size) for label, pad, size, _, _ in cells})}"
            if tight := sorted({(label, need, room) for label, _, _, need, room in cells if need > room}):
                bad[path] = bad.get(path, "") + f" names wider than their room: {tight}"
        finally:
            context.close()
    assert not bad, bad


# Selects whose chosen option is wider than the room inside them.
_CUT_SELECTS = """() => [...document.querySelectorAll('main select')].filter(e => e.offsetParent).map(e => {
    const s = getComputedStyle(e), c = document.createElement('canvas').getContext('2d'); c.font = s.font;
    const text = (e.options[e.selectedIndex] || {}).text || '';
    return [e.name, text, Math.round(c.measureText(text).width),
            Math.round(e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight))];
  }).filter(([, , need, room]) => need > room + 1)"""


def test_form_choices_are_whole_on_a_tablet_in_elder_mode(browser, demo_server):
    """适老化模式 at 768 px: a form's selects show their choice whole (登记合同's 金额单位 read 万 and half a character,
    发布需求's 请选择技术领域 and 请选择合作方式 lost their last character, 直播课堂's 全部时间 filter showed 全部, 新建单位's
    请选择镇街 and 请选择行业 theirs)."""
    base = demo_server["url"]
    cut = {}
    pages = (
        ("broker", ("/contracts/new", "/classes/", "/classes/new")),
        ("enterprise", ("/needs/new",)),
        ("admin", ("/admin/organizations/new",)),
    )
    for role, paths in pages:
        context = _context(browser, base, 768, elder=True)
        try:
            page = context.new_page()
            _log_in(page, base, ROLES[role])
            for path in paths:
                assert page.goto(base + path).status == 200, path
                if found := page.evaluate(_CUT_SELECTS):
                    cut[path] = found
        finally:
            context.close()
    assert not cut, f"choices cut off: {cut}"


def test_pair_rows_stack_on_a_tablet_in_elder_mode(browser, demo_server):
    """审核队列 in 适老化模式 at 768 px: a pair's need, reasons and result take the row's width one under another (the
    reasons read four characters a line in a 165 px column beside them, 详情 was 详 over 情)."""
    base = demo_server["url"]
    context = _context(browser, base, 768, elder=True)
    try:
        page = context.new_page()
        _log_in(page, base, ROLES["broker"])
        page.goto(base + "/broker/")
        rows = page.evaluate(
            """() => [...document.querySelectorAll('.pair-row > .row')].slice(0, 3).map(row => {
                 const cols = [...row.children], details = row.querySelector('a.btn');
                 const r = document.createRange(); r.selectNodeContents(details.firstChild);  // 详情, not its hidden words
                 return {narrowest: Math.min(...cols.map(c => c.getBoundingClientRect().width)) / row.clientWidth,
                         detailLines: new Set([...r.getClientRects()].filter(x => x.width > 1).map(x => Math.round(x.top))).size}; })"""
        )
        assert rows and all(r["narrowest"] > 0.9 and r["detailLines"] == 1 for r in rows), rows
    finally:
        context.close()


# The widest list table's overflow inside its .table-responsive, and whether every row has its revoke box or none
# narrower than the widest one (证书管理's 撤销原因).
_WIDE = """() => { const w = document.querySelector('main .table-responsive');
  const boxes = [...document.querySelectorAll('main input[name=reason]')].map(e => e.getBoundingClientRect().width);
  return {over: w.scrollWidth - w.clientWidth, page: document.documentElement.scrollWidth - innerWidth,
          rows: document.querySelectorAll('main table tbody tr').length, boxes}; }"""


# 证书管理 (.mm-stack-lg too) was squeezed, not over, with the demo's rows.
@pytest.mark.parametrize("path", ["/contracts/"])
def test_wide_lists_fit_a_tablet(browser, demo_server, path):
    """技术合同 (ten columns) and 证书管理 (eight) at 768 px in normal mode: they scrolled sideways inside their
    table (WCAG 1.4.10); now each row is a card, every value on it (the headers stay for screen readers)."""
    base = demo_server["url"]
    context = _context(browser, base, 768, elder=False)
    try:
        page = context.new_page()
        _log_in(page, base, ROLES["admin"])
        page.goto(base + path)
        got = page.evaluate(_WIDE)
        assert got["rows"] and got["over"] <= 0 and got["page"] <= 0, got
    finally:
        context.close()


# The gaps between neighbouring items of each pie chart's legend, in px (ECharts draws them on a canvas).
_LEGEND_GAPS = """() => [...document.querySelectorAll('[data-chart]')].map(el => echarts.getInstanceByDom(el)).filter(c =>
    c && c.getOption().series[0].type === 'pie').flatMap(c => {
      const view = c.getViewOfComponentModel(c.getModel().getComponent('legend'));
      const items = view.getContentGroup().children().map(g => { const r = g.getBoundingRect();
        return [g.x + r.x, g.x + r.x + r.width, g.y]; }).sort((a, b) => a[2] - b[2] || a[0] - b[0]);
      return items.slice(1).filter((it, i) => it[2] === items[i][2]).map((it, i) => Math.round(it[0] - items[i][1])); })"""


@pytest.mark.parametrize("width", [768, 1280])
def test_pie_legend_items_keep_apart_in_elder_mode(browser, demo_server, width):
    """适老化模式's larger legend text: the items of a pie chart's legend stood against each other."""
    base = demo_server["url"]
    context = _context(browser, base, width, elder=True)
    try:
        page = context.new_page()
        _log_in(page, base, ROLES["admin"])
        page.goto(base + "/reports/")
        page.wait_for_function("() => document.querySelectorAll('[data-chart] canvas').length > 0")
        gaps = page.evaluate(_LEGEND_GAPS)
        assert gaps and min(gaps) >= 16, gaps
    finally:
        context.close()


# At 320 px: the page's overflow, stacked tables whose box scrolls sideways, card values set smaller than their column's
# name (the cell's own size: a badge or a button inside keeps its own), and reason boxes narrower than their hint.
_NARROW = """() => { const c = document.createElement('canvas').getContext('2d');
  const stacked = [...document.querySelectorAll('main .table-responsive')].filter(w => w.querySelector(':scope > table')
    && getComputedStyle(w.querySelector(':scope > table')).display === 'block');
  const small = [...document.querySelectorAll('main table tbody td[data-label]:not([data-label=""])')].filter(td => td.offsetParent)
    .map(td => [td.getAttribute('data-label'), parseFloat(getComputedStyle(td).fontSize),
                parseFloat(getComputedStyle(td, '::before').fontSize), getComputedStyle(td, '::before').content])
    .filter(([, value, name, content]) => content !== 'none' && value < name - 0.5).map(([label, value, name]) => `${label} ${value}<${name}`);
  const boxes = [...document.querySelectorAll('main input[name=reason][placeholder]')].filter(e => e.offsetParent).map(e => {
    const s = getComputedStyle(e); c.font = s.font;
    return [Math.round(c.measureText(e.placeholder).width), Math.round(e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight))];
  }).filter(([need, room]) => need > room);
  return {over: document.documentElement.scrollWidth - document.documentElement.clientWidth,
          sideways: stacked.filter(w => w.scrollWidth > w.clientWidth + 1).map(w => w.scrollWidth - w.clientWidth),
          small: [...new Set(small)].slice(0, 5), boxes: boxes.slice(0, 3)}; }"""


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_fixed_pages_fit_320_px(browser, demo_server, elder):
    """At 320 px, normal and 适老化模式: a need's page with 有效期延至 (in 适老化模式 the renew form ran 55 px past the screen's
    edge: the page scrolled sideways), 技术经纪人培训 and 急需需求审核 (a module's or 剩余时间's badge ran out of its card, the
    table scrolled in its box), 证书管理 (its values, the table set small, stood 14 px under 16 px names; the 撤销原因 box was
    46 px wide in 适老化模式, its hint cut to 撤), 技术合同, 统计报表 and 匹配引擎: no page scrolls sideways."""
    base = demo_server["url"]
    bad = {}
    for role, paths in (("enterprise", ["/training/"]), ("admin", ["/training/certificates", "/urgent/queue", "/contracts/",
                                                                    "/reports/", "/matches/admin/index"])):  # fmt: skip
        context = _context(browser, base, 320, elder)
        try:
            page = context.new_page()
            _log_in(page, base, ROLES[role])
            if role == "enterprise":  # one of its needs that it may renew
                page.goto(base + "/needs/mine")
                for href in page.eval_on_selector_all(
                    "main table a[href^='/needs/']", "els => els.map(e => e.getAttribute('href'))"
                ):
                    page.goto(base + href)
                    if page.locator("#renew-until").count():
                        paths = [href, *paths]
                        break
                assert paths[0] != "/training/", "no need of the enterprise's shows 有效期延至"
            for path in paths:
                assert page.goto(base + path).status == 200, path
                got = page.evaluate(_NARROW)
                if got["over"] > 0 or got["sideways"] or got["small"] or got["boxes"]:
                    bad[path] = got
        finally:
            context.close()
    assert not bad, bad
