"""Accessibility in the rendered HTML: language, skip link, 适老化模式, form errors tied to fields.

The full WCAG 2 A/AA check runs in the browser (tests/browser/a11y.py with axe-core)."""

import re

from ..factories import make_user


def test_every_page_declares_chinese_and_has_a_skip_link(client):
    """lang="zh-CN", a skip link to the main content, and main is its target."""
    body = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN"' in body
    assert 'href="#content">跳到主要内容</a>' in body
    assert re.search(r'<main [^>]*id="content"', body)


def test_elder_mode_switches_on_and_off_and_is_remembered(client):
    """The switch sets a cookie for a year, goes back to the page, and the page renders in the mode."""
    resp = client.post("/display/elder", data={"on": "1", "next": "/needs/?page=2"})
    assert resp.status_code == 303 and resp.headers["Location"] == "/needs/?page=2"
    cookie = resp.headers["Set-Cookie"]
    assert "mm_elder=1" in cookie and "Max-Age=31536000" in cookie and "HttpOnly" in cookie
    body = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN" class="mm-elder">' in body
    assert 'aria-pressed="true"' in body
    client.post("/display/elder", data={"on": "0", "next": "/"})
    body = client.get("/").get_data(as_text=True)
    assert 'class="mm-elder"' not in body and 'aria-pressed="false"' in body


def test_elder_mode_never_redirects_off_site(client):
    """The return address must be a path of this site."""
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        resp = client.post("/display/elder", data={"on": "1", "next": target})
        assert resp.headers["Location"] == "/"


def test_elder_mode_for_logged_in_users_too(client, auth):
    """The switch is on every page, also for a logged-in user's pages."""
    auth.login(make_user(role="enterprise"))
    body = client.get("/dashboard").get_data(as_text=True)
    assert 'id="elder-toggle"' in body and 'name="next" value="/dashboard"' in body


def _switch_next(page):
    return re.search(r'<form method="post" action="/display/elder">.*?name="next" value="([^"]*)"', page, re.S).group(1)


def _switch(client, page):
    """Press the 适老化模式 switch on ``page`` and follow where it leads."""
    resp = client.post("/display/elder", data={"on": "1", "next": _switch_next(page)})
    assert resp.status_code == 303
    return resp.headers["Location"], client.get(resp.headers["Location"])


def test_the_switch_on_a_refused_form_leads_to_a_page_not_an_error(client, auth):
    """A refused form comes back at the address it was sent to, which answers only POST (here a course's session
    form at /training/<id>/sessions). The switch on that page went back to that address: a GET of it was 405
    (方法不允许). It now goes back to the page the form was sent from, when that is a page of this site; else to
    the area's list. What was typed in the refused form is not kept, but no error page is shown."""
    from tests.training.test_training import make_course

    course = make_course(sessions=0)
    auth.login("admin")
    form = {"title": "政策解读专题", "module_kind": "policy", "starts_at": "9999-12-31T23:00"}
    sent_from = {"Referer": f"http://localhost/training/{course.id}"}  # the course's page, as a browser says
    page = client.post(f"/training/{course.id}/sessions", data=form, headers=sent_from)
    assert page.status_code == 400
    where, shown = _switch(client, page.get_data(as_text=True))
    assert shown.status_code == 200 and where == f"/training/{course.id}"
    assert 'class="mm-elder"' in shown.get_data(as_text=True)
    # No Referer (a browser told not to send one), or another site's, or the refused form's own address:
    # the training list.
    for referrer in (None, "https://evil.example/training/1", f"http://localhost/training/{course.id}/sessions"):
        headers = {"Referer": referrer} if referrer else {}
        page = client.post(f"/training/{course.id}/sessions", data=form, headers=headers)
        where, shown = _switch(client, page.get_data(as_text=True))
        assert shown.status_code == 200 and where == "/training/", referrer


def test_the_switch_on_a_refused_financing_step_leads_to_the_case(client, auth):
    """The same for a financing case's step form (/financing/<id>/move, POST only): back to the case page it was
    sent from, with the query it had."""
    from tests.financing.test_financing_pages import _applied_case

    case = _applied_case()
    auth.login("broker")
    sent_from = f"/financing/{case.id}?from=queue"
    data = {"action": "refuse", "expected": "applied", "note": "x"}
    page = client.post(f"/financing/{case.id}/move", data=data, headers={"Referer": f"http://localhost{sent_from}"})
    assert page.status_code == 400
    where, shown = _switch(client, page.get_data(as_text=True))
    assert shown.status_code == 200 and where == sent_from
    assert "知识产权质押融资" in shown.get_data(as_text=True)


def test_the_switch_never_returns_to_an_address_a_get_is_refused_at(client):
    """A page opened before this was fixed still sends the POST-only address: the switch goes to the home page."""
    resp = client.post("/display/elder", data={"on": "1", "next": "/training/1/sessions"})
    assert resp.headers["Location"] == "/" and client.get(resp.headers["Location"]).status_code == 200


def test_breadcrumbs_are_named_in_chinese(client, auth):
    """A screen reader announced each page's breadcrumb as "breadcrumb 导航", in English on a Chinese page
    (WCAG 3.1.2): it is now 当前位置, on a listing's page, a course's and a financing case's alike."""
    from tests.factories import make_need
    from tests.financing.test_financing_pages import _applied_case
    from tests.training.test_training import make_course

    need, course, case = make_need(), make_course(sessions=0), _applied_case()
    auth.login("admin")
    for address in (f"/needs/{need.id}", f"/training/{course.id}", f"/financing/{case.id}"):
        page = client.get(address).get_data(as_text=True)
        navs = re.findall(r'<nav aria-label="([^"]*)"><ol class="breadcrumb', page)
        assert navs == ["当前位置"], address


def test_form_errors_are_tied_to_their_fields(client, auth):
    """An invalid field says so (aria-invalid) and points at its message (aria-describedby)."""
    auth.login(make_user(role="enterprise"))
    body = client.post("/auth/password", data={}).get_data(as_text=True)
    field = re.search(r'<input[^>]*aria-invalid="true"[^>]*>', body)
    assert field, body
    described = re.search(r'aria-describedby="([^"]+)"', field.group(0)).group(1)
    for ref in described.split():
        assert f'id="{ref}"' in body


def test_icons_are_hidden_from_screen_readers_and_the_bell_has_a_name(client, auth):
    """The bell's accessible name was an icon-font glyph and the count ("\\uf18a 3"); decorative icons
    were read out as private-use characters."""
    from matchmaker.notifications.services import notify

    user = auth.login("enterprise")
    notify(user, "system", "测试通知一", "/")
    notify(user, "system", "测试通知二", "/")
    from matchmaker.extensions import db

    db.session.commit()
    for path in ("/", "/dashboard", "/needs/", "/needs/new", "/notifications/"):
        body = client.get(path).get_data(as_text=True)
        icons = re.findall(r"<i class=\"bi [^>]*>", body)
        assert icons and all('aria-hidden="true"' in i or "aria-label=" in i for i in icons), (path, icons)
    body = client.get("/dashboard").get_data(as_text=True)
    bell = re.search(r'<a class="nav-link position-relative" href="/notifications/".*?</a>', body, re.S).group(0)
    name = re.sub(r"<[^>]+>", "", bell).split()  # what a screen reader reads: the icon is hidden
    assert "".join(name) == "通知2条未读", bell


def test_a_researcher_waiting_to_join_is_told_about_results_not_needs(client, auth):
    from matchmaker.extensions import db

    from ..factories import make_org

    user = auth.login("researcher")
    user.requested_organization = make_org("university", name="待加入的大学")
    db.session.commit()
    body = client.get("/dashboard").get_data(as_text=True)
    assert "即可代表该单位发布和管理科技成果" in body and "管理技术需求" not in body


def _unnamed_inputs(body):
    """Visible text inputs with neither a <label for> nor aria-label (a placeholder is not a name)."""
    labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', body))
    out = []
    for tag in re.findall(r"<input\b[^>]*>", body):
        if re.search(r'type="(hidden|submit|button|checkbox|radio)"', tag) or "aria-label" in tag:
            continue
        m = re.search(r'\bid="([^"]+)"', tag)
        if not (m and m.group(1) in labelled):
            out.append(tag)
    return out


def test_broker_and_audit_search_and_note_fields_have_names(client, auth):
    """The reject note in the queue, the event search and the audit log's contract number had only a
    placeholder: a screen reader announced an unnamed edit field."""
    from ..factories import make_suggestion

    broker = auth.login(make_user(role="broker"))
    make_suggestion(broker=broker, status="suggested")
    for url in ("/broker/", "/broker/events"):
        body = client.get(url).get_data(as_text=True)
        assert _unnamed_inputs(body) == [], url
    auth.login(make_user(role="admin"))
    body = client.get("/contracts/audit").get_data(as_text=True)
    assert _unnamed_inputs(body) == []


def test_near_duplicate_warning_gets_the_focus_after_a_submit():
    """The warning sits at the foot of a long form: after 发布 the page reloaded at the top with focus on
    the page, and keyboard users had to find 仍要提交 themselves. The checkbox is focused like an error."""
    from pathlib import Path

    js = (Path(__file__).parents[2] / "static" / "js" / "app.js").read_text(encoding="utf-8")
    focus = re.search(r"var bad = document\.querySelector\(\s*\"([^\"]+)\"\)", js)
    assert focus and "main #confirm_duplicate" in focus.group(1)
    template = (Path(__file__).parents[2] / "templates" / "suggestions" / "_near_duplicates.html").read_text()
    assert 'id="confirm_duplicate"' in template
