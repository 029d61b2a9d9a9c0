"""A header refused for its columns says all of what is wrong and what to do, in the 500 characters a batch keeps."""

import csv
import io

from matchmaker.extensions import db
from matchmaker.models import ImportBatch

from ..factories import make_org
from .test_import import NEED_HEADER, need_row, upload


def test_a_header_of_many_unknown_columns_still_names_the_repeated_one_and_what_to_do(client, auth):
    """An export of another system: the template's columns but 需求名称, 60 columns of its own, 外部编号 twice. The list
    of unknown columns filled the message, cut off mid-name at 500 characters: the repeated column and the advice lost."""
    make_org("enterprise", name="导入测试企业")
    auth.login("admin")
    header = (
        [h for h in NEED_HEADER if h != "需求名称*"] + [f"原系统导出字段第{i:02d}列" for i in range(60)] + ["外部编号"]
    )
    row = [c for h, c in zip(NEED_HEADER, need_row("H-1")) if h != "需求名称*"]
    buf = io.StringIO()
    csv.writer(buf).writerows([header, row + [""] * 61])
    resp = upload(client, buf.getvalue().encode(), filename="export.csv")
    assert resp.status_code == 302
    batch = db.session.scalar(db.select(ImportBatch))
    message = batch.message
    assert "缺少必填列：需求名称" in message and "重复的列：外部编号" in message
    assert "无法识别的列：原系统导出字段第00列、" in message and " 等 60 列" in message
    assert message.endswith("请下载技术需求导入模板，按模板第一行的列名填写")
    assert message in client.get(resp.headers["Location"]).get_data(as_text=True)
