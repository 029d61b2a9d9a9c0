"""The batch page polls an import's progress every second while it is checked or written. The poll loaded the whole
batch twice each time (get, then refresh): the uploaded file (kept until the import and after it, up to 10 MB) and the
report of every bad row, to answer five numbers. The poll now reads those columns alone, in one statement; the
batch page no longer loads the file it does not show, and the import page's list of recent batches neither the files
nor the reports."""

import re

from sqlalchemy import update

from matchmaker.extensions import db
from matchmaker.models import ImportBatch

from ..sql import statements

# A file of about 3 MB and a report of 6,000 problems (a batch at the row limit, half of its rows bad).
BIG = b"x" * 3_000_000
REPORT = [[row, "需求名称", f"第 {row} 行的需求名称不能为空"] for row in range(2, 6_002)]


def returned(seen, *names):
    """The statements on import_batch that return any of the columns ``names``."""
    wanted = re.compile(rf"(^|_)({'|'.join(names)})$")
    return [sql for sql, columns in seen if "FROM import_batch" in sql and any(wanted.search(c) for c in columns)]


def _batch(**values):
    values = dict(kind="need", filename="需求批量导入.xlsx", file_format="xlsx", content=BIG, sha256="0" * 64,
                  status="importing", total_rows=9_000, good_rows=3_000, bad_rows=6_000, errors=REPORT) | values  # fmt: skip
    batch = ImportBatch(**values)
    db.session.add(batch)
    db.session.commit()
    return batch.id


def _worker_sets(batch_id, **values):
    """What the job's heartbeat (or its end) commits, from outside the request."""
    db.session.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(**values))
    db.session.commit()


def test_a_poll_reads_the_progress_in_one_statement_without_the_file_or_the_report(client, auth):
    """Each poll answers with the rows written as the worker last committed them, then the outcome, as before; no
    statement of a poll returns the file or the report, and the batch's row is read once a poll."""
    auth.login("admin")
    batch_id = _batch()
    url = f"/needs/import/{batch_id}/status"
    answers = []
    for rows in (0, 1_200, 2_400):
        _worker_sets(batch_id, processed_rows=rows)
        with statements() as seen:
            answers.append(client.get(url).json)
        assert not returned(seen, "content", "errors")
        assert len([sql for sql, _ in seen if "FROM import_batch" in sql]) == 1, seen
    assert answers == [dict(status="importing", done=done, total=3_000, message="") for done in (0, 1_200, 2_400)]

    message = "已导入 3000 条需求"
    _worker_sets(batch_id, status="done", imported_rows=3_000, processed_rows=3_000, message=message)
    with statements() as seen:
        assert client.get(url).json == dict(status="done", done=3_000, total=3_000, message=message)
    assert not returned(seen, "content", "errors")
    assert client.get(f"/needs/import/{batch_id + 1}/status").status_code == 404


def test_the_batch_page_shows_the_report_without_loading_the_file(client, auth):
    """The page the poll runs on (reloaded when the import ends) shows the progress and the report's first 200
    problems, as before, and never reads the file."""
    auth.login("admin")
    batch_id = _batch(processed_rows=1_200)
    with statements() as seen:
        page = client.get(f"/needs/import/{batch_id}").get_data(as_text=True)
    assert "正在导入：" in page and ">1200 / 3000<" in page
    assert "有问题的行（6000 行，6000 处）" in page
    assert (
        '<td class="text-nowrap">201</td><td class="text-nowrap">需求名称</td><td>第 201 行的需求名称不能为空</td>'
        in page
    )
    assert not returned(seen, "content")
    assert client.get(f"/needs/import/{batch_id + 1}").status_code == 404


def test_the_recent_imports_are_listed_without_their_files_and_reports(client, auth):
    """The import page lists the ten latest batches (name, kind, status, time): no statement of the page returns
    their files or reports, ten of which are up to 100 MB."""
    auth.login("admin")
    ids = [_batch(filename=f"第{i}批.xlsx", status="done", message="已导入") for i in range(1, 12)]
    with statements() as seen:
        page = client.get("/needs/import").get_data(as_text=True)
    shown = re.findall(r"#(\d+) (第\d+批\.xlsx)</a>", page)
    assert shown == [(str(i), f"第{n}批.xlsx") for n, i in reversed(list(enumerate(ids, start=1)))][:10]
    assert "已导入" in page
    assert not returned(seen, "content", "errors")
