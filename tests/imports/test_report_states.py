"""The import report shows each state of a batch as its own outcome; templates name states by the enum."""

import pytest
from flask import render_template_string

from matchmaker.extensions import db
from matchmaker.models import ImportBatch, ImportStatus

COUNTS = 'id="n-total"'
# What the report says in each state, and whether it shows the file's counts (read and checked).
SHOWN = {
    ImportStatus.VALIDATING: (["正在后台校验文件", "尚未写入任何数据"], False),
    ImportStatus.VALIDATED: (["校验完成", "确认导入 2 条"], True),
    ImportStatus.REJECTED: (['alert alert-danger" id="import-outcome"', "修改文件后重新上传"], False),
    ImportStatus.IMPORTING: (["正在导入：", 'aria-label="导入进度"'], True),
    ImportStatus.DONE: (['alert alert-success" id="import-outcome"'], True),
    ImportStatus.ERROR: (['alert alert-danger" id="import-outcome"'], True),
    ImportStatus.EXPIRED: (['alert alert-warning" id="import-outcome"', "重新上传"], False),
}


def test_the_report_shows_every_state_as_its_own_outcome(client, auth):
    """Each status a batch can be in has its outcome on the report page: its alert, its message, its counts or not
    (every member of ImportStatus is listed here: a new one is not shown as another by default)."""
    assert set(SHOWN) == set(ImportStatus)
    auth.login("admin")
    for status, (texts, counted) in SHOWN.items():
        batch = ImportBatch(kind="need", filename=f"{status}.xlsx", file_format="xlsx", content=b"x", sha256="0" * 64,
                            status=status.value, total_rows=3, good_rows=2, bad_rows=1, message=f"批次消息-{status}")  # fmt: skip
        db.session.add(batch)
        db.session.commit()
        body = client.get(f"/needs/import/{batch.id}").get_data(as_text=True)
        assert all(t in body for t in texts), status
        assert (COUNTS in body) == counted, status
        silent = (ImportStatus.VALIDATING, ImportStatus.VALIDATED, ImportStatus.IMPORTING)  # no message of its own yet
        assert (f"批次消息-{status}" in body) == (status not in silent), status
        assert ("修改文件后重新上传" in body) == (status == ImportStatus.REJECTED), status


def test_a_misspelt_state_in_a_template_raises(app):
    """Templates compare a batch's status with ImportStatus's members; a misspelt one is an error, not a comparison
    that is silently false (which would hide that state's outcome)."""
    with app.test_request_context():
        assert render_template_string("{{ 'done' == ImportStatus.DONE }}") == "True"
        with pytest.raises(LookupError):
            render_template_string("{{ 'done' == ImportStatus.DONNE }}")


@pytest.mark.parametrize(
    "status, way", [(ImportStatus.REJECTED, "修改文件后重新上传"), (ImportStatus.EXPIRED, "重新上传")]
)
def test_the_way_on_is_a_line_of_its_own(client, auth, status, way):
    """A refused file's message ends without a full stop (…按模板第一行的列名填写), and the link ran on from it on
    the same line (…填写 修改文件后重新上传); the link is now a line of its own under the message."""
    auth.login("admin")
    batch = ImportBatch(kind="need", filename="表头.csv", file_format="csv", content=b"", sha256="0" * 64,
                        status=status.value, message="表头不正确。请下载技术需求导入模板，按模板第一行的列名填写")  # fmt: skip
    db.session.add(batch)
    db.session.commit()
    body = client.get(f"/needs/import/{batch.id}").get_data(as_text=True)
    assert f'<div class="mt-1"><a class="alert-link" href="/needs/import?kind=need">{way}</a></div></div>' in body
