"""Browser journeys of the network's services: an urgent need from posting to the broker's decision,
a live class from registration to attendance, a financing case from application to loan."""

import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from matchmaker.utils import clock

PW = "svc-pass-123"
SETUP = """
from matchmaker import create_app
from matchmaker.auth.services import create_user
from matchmaker.extensions import db
from matchmaker.models import Organization
app = create_app()
with app.app_context():
    orgs = {}
    # Its own registration code: the accounts journey registers 91350100M000100Y43 in the same server database.
    for name, kind, uscc in (("旅程服务企业有限公司", "enterprise", "91350100770000071R"), ("旅程技术转移中心", "agency", None),
                             ("旅程资产评估公司", "appraiser", None), ("旅程科技银行", "bank", None),
                             ("旅程财产保险公司", "insurer", None), ("旅程市科技局", "government", None)):
        orgs[kind] = db.session.scalar(db.select(Organization).filter_by(name=name))
        if orgs[kind] is None:
            orgs[kind] = Organization(name=name, kind=kind, uscc=uscc, verified=True)
            db.session.add(orgs[kind])
    db.session.commit()
    from matchmaker.models import User
    if db.session.scalar(db.select(User).filter_by(email="svc-broker@journey.cn")) is not None:
        raise SystemExit(0)  # a retry after the users were made
    db.session.rollback()
    create_user(role="enterprise", name="企业用户甲", email="svc-ent@journey.cn", password="%(pw)s",
                organization=orgs["enterprise"])
    create_user(role="broker", name="经纪人乙", email="svc-broker@journey.cn", password="%(pw)s",
                organization=orgs["agency"])
""" % {"pw": PW}  # noqa: UP031


@pytest.fixture(scope="module")
def people(live_server):
    """An enterprise user, a broker and the financing partners, made in the server's database."""
    # Retried: the server's job consumer may hold SQLite's write lock for a moment (seen once in a whole run).
    for attempt in range(4):
        done = subprocess.run(
            [sys.executable, "-c", SETUP],
            env=live_server["env"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parents[2],
        )  # an earlier test may have left another cwd
        if done.returncode == 0:
            break
        time.sleep(3)
    else:
        pytest.fail(f"journey setup failed: {done.stderr[-2000:]}")
    return {"ent": ("svc-ent@journey.cn", PW), "broker": ("svc-broker@journey.cn", PW)}


def body(j):
    return j.page.inner_text("body")


def test_urgent_need_from_posting_to_the_brokers_decision(journey, people):
    """The enterprise posts an urgent need; the broker sees the clock in the queue and approves it."""
    ent = journey("urgent-ent")
    ent.login(*people["ent"])
    ent.go("/urgent/new")
    ent.page.select_option("#reason_kind", "epidemic")
    ent.page.fill("#reason", "疫情防控物资生产急需，现有工艺合格率低")
    ent.page.fill("#title", "医用口罩耳带点焊脱落问题")
    ent.page.fill("#summary", "耳带点焊强度不足")
    ent.page.fill("#problem", "口罩耳带超声波点焊后拉力不足，脱落率高，急需改进焊接参数和工装")
    ent.page.fill("#keywords", "超声波焊接,口罩,耳带")
    ent.page.select_option("#industry", index=1)
    ent.page.select_option("#coop_mode", "development")
    ent.page.fill("#budget", "面议")
    ent.page.fill("#valid_until", (clock.today() + timedelta(days=60)).isoformat())
    ent.page.click("main form button[type=submit]")
    assert "急需需求已提交" in body(ent) and "待审核" in body(ent)
    broker = journey("urgent-broker")
    broker.login(*people["broker"])
    broker.go("/urgent/queue")
    assert "医用口罩耳带点焊脱落问题" in body(broker) and "剩余" in body(broker)
    broker.page.click("text=医用口罩耳带点焊脱落问题")
    broker.page.select_option("#decision", "approve")
    broker.page.click("main form button[type=submit]")
    assert "已通过并发布" in body(broker) and "服务时限内完成" in body(broker)
    ent.go("/urgent/mine")
    assert "已通过" in body(ent) and "按时完成" in body(ent)


def test_live_class_from_registration_to_attendance(journey, people):
    """The broker schedules a class; the enterprise user registers and gets the link; the broker marks attendance."""
    broker = journey("class-broker")
    broker.login(*people["broker"])
    broker.go("/classes/new")
    start = (datetime.now() + timedelta(days=3)).replace(hour=15, minute=0)
    broker.page.fill("#title", "技术合同认定登记实务")
    broker.page.fill("#starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    broker.page.fill("#speaker", "市技术市场管理办公室")
    broker.page.fill("#live_link", "https://live.example.cn/room/journey")
    broker.page.fill("#capacity", "50")
    broker.page.click("main form button[type=submit]")
    assert "场次已保存" in body(broker)
    class_url = broker.page.url
    ent = journey("class-ent")
    ent.login(*people["ent"])
    ent.page.goto(class_url)
    ent.page.click("text=报名参加")
    assert "已报名" in body(ent) and "进入直播间" in body(ent)
    broker.page.click("text=报名与出席")
    broker.page.check("input[name=attended]")
    broker.page.click("text=保存本页出席情况")
    assert "本页出席 1 人" in body(broker) and "出席 1 人" in body(broker)
    ent.go("/classes/mine")
    assert "已出席" in body(ent)


def _step(j, action, fields):
    selector = f"form:has(input[name=action][value={action}])"
    form = j.page.locator(selector)
    for name, value in fields.items():
        field = form.locator(f"[name={name}]")
        if name == "partner_id":
            field.select_option(label=value)
        elif name == "subsidy_kind":
            field.select_option(value)
        else:
            field.fill(value)
    j.page.click(f"{selector} button[type=submit]")  # the journey's click: it waits for the 303's page
    assert "已" in body(j), body(j)[:500]


def test_financing_case_from_application_to_loan(journey, people):
    """The enterprise applies; the broker records appraisal, bank, insurance, loan and subsidy; the enterprise follows."""
    from matchmaker.listings.validation import patent_error

    patent = next(f"ZL201910123456.{d}" for d in "0123456789X" if not patent_error(f"ZL201910123456.{d}"))
    ent = journey("fin-ent")
    ent.login(*people["ent"])
    ent.go("/financing/new")
    ent.page.fill("#patents", patent)
    ent.page.fill("#amount_wanted", "300")
    ent.page.fill("#term_months", "12")
    ent.page.click("main form button[type=submit]")
    assert "融资申请已提交" in body(ent)
    case_url = ent.page.url
    broker = journey("fin-broker")
    broker.login(*people["broker"])
    broker.page.goto(case_url)
    _step(broker, "appraise", {"partner_id": "旅程资产评估公司", "appraised_value": "600"})
    _step(broker, "approve", {"partner_id": "旅程科技银行", "loan_amount": "300", "loan_rate": "4.35",
                              "loan_term_months": "12"})  # fmt: skip
    _step(broker, "insure", {"partner_id": "旅程财产保险公司", "premium": "4.5", "cover": "300"})
    _step(broker, "grant", {"loan_date": clock.today().isoformat()})
    _step(broker, "subsidise", {"partner_id": "旅程市科技局", "subsidy_kind": "interest", "subsidy_amount": "6.5"})
    assert "已补偿/贴息" in body(broker) and "旅程科技银行：300.00 万元，年利率 4.35%" in body(broker)
    ent.page.goto(case_url)
    assert "已补偿/贴息" in body(ent) and "贴息 6.50 万元" in body(ent)
