"""The admin's bulk import in the browser: an upload's page follows the background check by itself, then
puts the keyboard focus on the outcome (校验完成 with 确认导入 next, or why the file is refused), and a file
refused at once puts the focus on the file input that the message describes."""

import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from matchmaker.utils import clock

from .conftest import ADMIN

ORG = "旅程导入企业有限公司"
SETUP = f"""
from matchmaker import create_app
from matchmaker.extensions import db
from matchmaker.models import Organization, Taxonomy
app = create_app()
with app.app_context():
    if db.session.scalar(db.select(Organization).filter_by(name="{ORG}")) is None:
        db.session.add(Organization(name="{ORG}", kind="enterprise", verified=True))
        db.session.commit()
    print(db.session.scalar(db.select(Taxonomy.name).filter_by(kind="industry").order_by(Taxonomy.id)))
"""
HEADER = "外部编号,需求名称,需求单位,需求摘要,拟解决的技术难题,所属行业,合作方式,预算（万元）,有效期至"

FOCUSED = "() => { const e = document.activeElement; return e === document.body ? null : {id: e.id, text: e.innerText || ''}; }"


@pytest.fixture(scope="module")
def industry(live_server):
    """An enterprise the rows can name, made in the server's database; returns a maintained industry."""
    for _ in range(4):  # the server's job consumer may hold SQLite's write lock for a moment
        done = subprocess.run([sys.executable, "-c", SETUP], env=live_server["env"], capture_output=True, text=True,
                              cwd=Path(__file__).resolve().parents[2])  # fmt: skip
        if done.returncode == 0:
            return done.stdout.strip().splitlines()[-1]
        time.sleep(3)
    pytest.fail(f"import journey setup failed: {done.stderr[-2000:]}")


def upload(j, path):
    j.go("/needs/import")
    j.page.set_input_files("#file", str(path))
    j.page.click("#import-form button[type=submit]")


def outcome(j):
    """Wait, without reloading, for the batch's page to show the check's outcome; return what has the focus."""
    j.page.wait_for_selector("#import-outcome", timeout=60000)
    # The journey's 30 s (a loaded machine's script may run late), not 5 s: the focus moves once the script has run.
    j.page.wait_for_function("() => document.activeElement && document.activeElement.id === 'import-outcome'")
    return j.page.evaluate(FOCUSED)


def no_sideways_scroll(j):
    j.page.set_viewport_size({"width": 375, "height": 800})
    assert j.page.evaluate("() => document.documentElement.scrollWidth") <= 375
    j.page.set_viewport_size({"width": 1280, "height": 900})


def test_import_pages_move_on_by_themselves_and_focus_the_outcome(journey, industry, tmp_path):
    admin = journey("import")
    admin.login(*ADMIN)

    (tmp_path / "only-header.csv").write_text(HEADER + "\n", encoding="utf-8")
    upload(admin, tmp_path / "only-header.csv")
    assert "正在后台校验文件" in admin.page.inner_text("main") or admin.page.locator("#import-outcome").count()
    got = outcome(admin)
    assert "文件未通过校验，没有导入任何数据：文件中只有表头，没有数据行" in got["text"]
    assert admin.page.get_by_role("link", name="修改文件后重新上传").count() == 1
    no_sideways_scroll(admin)

    (tmp_path / "notes.xlsx").write_text("这不是表格\n" * 20, encoding="utf-8")  # a text file renamed .xlsx
    upload(admin, tmp_path / "notes.xlsx")
    assert admin.page.evaluate(FOCUSED)["id"] == "file", "focus should be on the file input the error describes"
    assert admin.page.get_attribute("#file", "aria-describedby") == "import-error"
    assert "只是改了扩展名" in admin.page.inner_text("#import-error")

    valid = (clock.today() + timedelta(days=200)).isoformat()
    row = f"{ORG},希望引入机器视觉检测外观缺陷,人工目检漏检率高需要在线自动检测,{industry},技术开发"
    rows = [f"JI-{time.time_ns()}-1,注塑件缺陷检测,{row},80,{valid}",
            f"JI-{time.time_ns()}-2,冲压件缺陷检测,{row},１２３．５,{valid}",
            f"JI-{time.time_ns()}-3,焊缝缺陷检测,不存在的企业,摘要,难题,{industry},技术开发,80,{valid}"]  # fmt: skip
    (tmp_path / "needs.csv").write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    upload(admin, tmp_path / "needs.csv")
    got = outcome(admin)
    assert "校验完成" in got["text"] and "确认后将导入 2 条" in got["text"]
    assert "读作 123.50 万元" in admin.page.inner_text("#import-warnings")
    no_sideways_scroll(admin)
    admin.page.keyboard.press("Tab")  # the next control after the outcome is the confirm button
    assert admin.page.evaluate(FOCUSED)["text"].strip() == "确认导入 2 条"
    admin.page.once("dialog", lambda d: d.accept())
    admin.page.keyboard.press("Enter")
    admin.page.wait_for_selector("#import-status[data-status=done]", timeout=60000)  # polled, or done at once
    assert "已导入 2 条技术需求" in admin.page.inner_text("#import-outcome")
