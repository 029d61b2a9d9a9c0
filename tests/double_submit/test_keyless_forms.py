"""Every POST form in templates/ carries a one-time key (a WTForms ``submission_key`` via ``hidden_tag()``, or a
hand-written ``submission_key`` input), or is listed here with why it needs none: what it does comes out the
same however often it is sent (it sets a value, takes a row by a conditional write, or deletes), so a double
click or 后退 and 提交 again does nothing twice. A new form without a key fails this test until it gets one or a
reason here."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

# (template, endpoint, or "self" for a form posting to its page's address): why no key is needed.
KEYLESS = {
    ("admin/taxonomy.html", "self"): "添加: unique (kind, name) and (kind, name_key); sent again it is told 已存在",
    ("admin/taxonomy.html", "admin.taxonomy_active"): "sets active to the value sent (启用/停用), not a toggle",
    ("admin/users.html", "admin.user_active"): "sets active to the value sent",
    ("admin/users.html", "admin.user_membership"): "a conditional write takes the pending request once",
    ("api/docs.html", "main.elder_mode"): "sets a display cookie to the value sent",
    ("base.html", "main.elder_mode"): "sets a display cookie to the value sent",
    ("base.html", "auth.logout"): "logging out twice is logging out",
    ("auth/register_confirm.html", "auth.register_confirm"): "the mailed token makes one account (EmailTaken after)",
    ("brokers/_owner_suggestions.html", "brokers.request_introduction"): "a conditional write records it once",
    ("listings/_contacts.html", "brokers.request_introduction"): "a conditional write records it once",
    ("brokers/assignments.html", "brokers.assignment_delete"): "a delete",
    ("brokers/event_detail.html", "brokers.event_detach"): "a delete",
    ("classes/attendance.html", "classes.attendance_mark"): "sets each registration's attendance to the value sent",
    ("classes/detail.html", "classes.register"): "one registration per account (unique): sent again, 您已报名该场次",
    ("classes/detail.html", "classes.unregister"): "a conditional delete: sent again, 您未报名该场次",
    ("imports/report.html", "imports.confirm"): "the batch's status: a processed batch answers once.Repeat",
    ("imports/start.html", "self"): "an upload only validates (nothing is imported before 确认导入)",
    ("listings/_listing.html", "self"): "续期 counts from renew_from, the end the page showed: the same date again",
    ("listings/_listing.html", "url"): "a move from the states the table allows: sent again, 当前状态为…不能…",
    ("notifications/index.html", "notifications.read"): "marks read",
    ("notifications/index.html", "notifications.read_all"): "marks read",
    ("suggestions/index_admin.html", "suggestions.refit"): "answers the refit already queued or running",
    ("suggestions/index_admin.html", "suggestions.term_delete"): "a delete",
    ("tokens/_table.html", "tokens.revoke"): "a revoked token stays revoked (its first time kept)",
    ("training/certificates.html", "training.certificate_revoke"): "stays revoked (a twin: 已撤销)",
    ("training/course.html", "training.session_delete"): "a delete",
    ("training/enrolments.html", "training.assessment"): "sets the score to the value sent",
    ("training/enrolments.html", "training.attendance"): "sets the sessions attended to those sent",
}


def keyless_forms():
    """(template, endpoint) of each POST form (and post_button) without a one-time key."""
    found = set()
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if name.startswith("_macros/"):
            continue
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"<form\b[^>]*>", text):
            if not re.search(r'method="post"', m.group(0), re.I):
                continue
            body = text[m.end() : text.find("</form>", m.end())]
            if "submission_key" not in body and "hidden_tag()" not in body:
                action = re.search(r"url_for\('([\w.]+)'", m.group(0))
                found.add((name, action.group(1) if action else "self"))
        for m in re.finditer(r"post_button\(", text):
            args = text[m.end() : text.find("}}", m.end())]
            if "submission_key" not in args:
                action = re.search(r"url_for\('([\w.]+)'", args[:120])
                found.add((name, action.group(1) if action else args.split(",")[0].strip()))
    return found


def test_every_post_form_has_a_key_or_a_reason_for_none():
    found = keyless_forms()
    assert found - set(KEYLESS) == set(), "POST forms without a one-time key and without a reason here"
    assert set(KEYLESS) - found == set(), "reasons here for forms that now carry a key (or are gone): remove them"
