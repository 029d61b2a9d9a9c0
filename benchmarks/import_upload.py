"""The bulk-import upload request with a file at the shared-strings bound (default IMPORT_MAX_ROWS, 50,000).

An .xlsx of one header and a few need rows whose shared-strings part holds just under the bound of XML elements
(3,000,000: 1,000,000 texts <si><r><t>…</t></r></si>, each of its own, as Excel writes rich text), about 5 MB on
disk. Times the upload POST as the admin sends it (Flask test client, SQLite file, jobs queued as in production,
not run in the request) and, when the upload queued one, the background job that analyses the file; prints one
JSON object: seconds and the process's peak resident memory growth (MB) of each.

    PYTHONPATH=. .venv/bin/python benchmarks/import_upload.py [--texts 999990]
"""

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
HEADER = ["外部编号*", "需求名称*", "需求单位*", "需求摘要*", "拟解决的技术难题*", "所属行业*", "合作方式*",
          "预算（万元）*", "有效期至*"]  # fmt: skip


def workbook(texts):
    """The .xlsx: a header and ten need rows written by openpyxl, then a shared-strings part of `texts` items."""
    from datetime import date

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for i in range(10):
        ws.append([f"B-{i}", "注塑件外观缺陷视觉检测", "基准企业", "摘要", "难题", "智能家电", "技术开发", "80",
                   date(date.today().year + 1, 12, 31).isoformat()])  # fmt: skip
    buf = io.BytesIO()
    wb.save(buf)
    shared = b"".join(b"<si><r><t>r%dc%d</t></r></si>" % divmod(i, 200) for i in range(texts))
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "[Content_Types].xml":
                part = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"/></Types>'
                data = data.replace(b"</Types>", part.encode())
            if name == "xl/_rels/workbook.xml.rels":
                rel = f'<Relationship Type="{SST_REL}" Target="sharedStrings.xml" Id="rId99"/></Relationships>'
                data = data.replace(b"</Relationships>", rel.encode())
            dst.writestr(name, data)
        sst = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + shared + b"</sst>"
        dst.writestr("xl/sharedStrings.xml", sst)
    return out.getvalue()


class PeakRss:
    """The process's resident memory sampled every 10 ms while the block runs: growth of its peak, in MB."""

    def __enter__(self):
        self.base = self.peak = self._rss()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._done.wait(0.01):
            self.peak = max(self.peak, self._rss())

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())
        self.mb = round((self.peak - self.base) / 1024 / 1024)

    @staticmethod
    def _rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--texts", type=int, default=999_990, help="shared-strings items (3 elements each, and <sst>)")
    ap.add_argument("--write", help=argparse.SUPPRESS)  # (the child process that makes the file)
    args = ap.parse_args()
    if args.write:
        Path(args.write).write_bytes(workbook(args.texts))
        return
    tmp = tempfile.mkdtemp(prefix="mm-import-bench-")
    path = Path(tmp) / "bench.xlsx"  # made by a child process: its memory is not this process's
    subprocess.run([sys.executable, __file__, "--texts", str(args.texts), "--write", str(path)], check=True)
    content = path.read_bytes()
    os.environ.setdefault("MATCHMAKER_INSTANCE_PATH", tmp)
    from matchmaker import create_app
    from matchmaker.extensions import db
    from matchmaker.jobs import queue

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite", "SECRET_KEY": "bench-secret-key",
                      "WTF_CSRF_ENABLED": False, "JOBS_IMMEDIATE": False})  # fmt: skip
    queue.send = lambda row_id: None  # the job stays queued: run below, as a consumer would
    with app.app_context():
        from matchmaker.demo.taxonomy import ensure_taxonomy
        from matchmaker.models import ImportBatch, Organization, PendingJob, User

        db.create_all()
        ensure_taxonomy()
        db.session.add(Organization(name="基准企业", kind="enterprise"))
        admin = User(email="bench-admin@example.cn", name="管理员", role="admin")
        admin.set_password("bench-password-1")
        db.session.add(admin)
        db.session.commit()
        client = app.test_client()
        client.post("/auth/login", data={"email": admin.email, "password": "bench-password-1"})
        client.get("/needs/import")  # templates compiled, modules imported
        with PeakRss() as mem:
            start = time.perf_counter()
            resp = client.post("/needs/import", data={"kind": "need", "file": (io.BytesIO(content), "bench.xlsx")},
                               content_type="multipart/form-data")  # fmt: skip
            request_s = time.perf_counter() - start
        out = {"file_mb": round(len(content) / 1e6, 2), "shared_string_items": args.texts,
               "request_status": resp.status_code, "request_s": round(request_s, 2), "request_rss_mb": mem.mb}  # fmt: skip
        queued = db.session.scalar(db.select(db.func.count(PendingJob.id)))
        if queued:
            from matchmaker import jobs

            with PeakRss() as mem:
                start = time.perf_counter()
                jobs.run_due()
                job_s = time.perf_counter() - start
            out.update(job_s=round(job_s, 2), job_rss_mb=mem.mb)
        batch = db.session.scalar(db.select(ImportBatch))
        out.update(batch_status=batch.status if batch else None, good_rows=batch.good_rows if batch else None)
        print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
