"""An attendance import's states are AttendanceImportStatus's members (the stored values, unchanged), shown by their
Chinese labels; the attendance page's alert for the latest upload names who uploaded it."""

import re

import pytest
from flask import render_template_string

from matchmaker.extensions import db
from matchmaker.models import AttendanceImport
from matchmaker.models.enums import AttendanceImportStatus

from ..factories import make_user
from .test_attendance_imports_list import _rows
from .test_classes import make_session

# What each state's latest upload shows on the attendance page (its alert), and its badge in the imports table.
SHOWN = {
    AttendanceImportStatus.IMPORTING: ("正在后台读取", "正在读取"),
    AttendanceImportStatus.DONE: ('alert alert-success mb-0" id="import-outcome"', "已导入"),
    AttendanceImportStatus.REJECTED: ('alert alert-danger mb-0" id="import-outcome"', "未导入"),
    AttendanceImportStatus.ERROR: ('alert alert-danger mb-0" id="import-outcome"', "出错"),
}


def test_the_stored_values_are_those_of_before():
    """The enum keeps the strings rows already hold (no migration)."""
    assert {m.value for m in AttendanceImportStatus} == {"importing", "done", "rejected", "error"}


def test_each_state_is_shown_by_its_label(client, auth):
    """Each state of the latest upload has its alert on the attendance page, and its Chinese label in the list of
    imports (every member of AttendanceImportStatus is listed here: a new one is not shown as another)."""
    assert set(SHOWN) == set(AttendanceImportStatus)
    broker = make_user("broker", name="上传的经纪人")
    auth.login(broker)
    for status, (alert, label) in SHOWN.items():
        s = make_session(broker)
        db.session.add(AttendanceImport(session_id=s.id, filename=f"{status}.csv", file_format="csv", content=b"",
                                        status=status.value, message=f"导入消息-{status}", created_by_id=broker.id))  # fmt: skip
        db.session.commit()
        page = client.get(f"/classes/{s.id}/attendance").get_data(as_text=True)
        assert alert in page and f'data-status="{status.value}"' in page, status
        listed = client.get(f"/classes/{s.id}/attendance/imports").get_data(as_text=True)
        assert [(name, shown) for name, shown, _ in _rows(listed)] == [(f"{status}.csv", label)]


def test_a_misspelt_state_in_a_template_raises(app):
    """A template comparing with a misspelt member is an error, not a comparison silently false."""
    with app.test_request_context():
        assert render_template_string("{{ AttendanceImportStatus.DONE }}") == "done"
        with pytest.raises(LookupError):
            render_template_string("{{ 'done' == AttendanceImportStatus.DON }}")


@pytest.mark.parametrize("status", list(AttendanceImportStatus))
def test_the_latest_uploads_alert_names_its_uploader(client, auth, status):
    """Another editor of the session (an admin) uploaded the latest file: its alert, whatever its state, says who
    (read with the upload: the relationship raises rather than load on access)."""
    broker = make_user("broker")
    admin = make_user("admin", name="王管理员")
    s = make_session(broker)
    db.session.add(AttendanceImport(session_id=s.id, filename="观看记录.csv", file_format="csv", content=b"",
                                    status=status.value, message="导入消息", created_by_id=admin.id))  # fmt: skip
    db.session.commit()
    auth.login(broker)
    page = client.get(f"/classes/{s.id}/attendance").get_data(as_text=True)
    alert = re.search(r'<div id="import-status".*?</div>', page, re.S).group(0)
    assert "上传人 王管理员" in alert
