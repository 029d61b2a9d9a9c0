"""申请年度 / 年度 / 发证年度 boxes ignored what they could not read (２０２０ typed with a Chinese input method,
2020年, abc, 1899) without a word: the whole list came back under a box still showing the year, read as
that year's. Full-width digits and a trailing 年 now filter; anything else says the list is not filtered."""

from datetime import datetime
from decimal import Decimal

import pytest

from matchmaker.extensions import db
from matchmaker.models import FinancingCase, TrainingCourse

from ..factories import make_org

NOTICE = "请填写 4 位年份（如 2020）；下面的列表未按年度筛选"


@pytest.fixture
def cases():
    for year, name in ((2020, "二〇二〇年申请企业"), (2021, "二〇二一年申请企业")):
        org = make_org("enterprise", name=name)
        db.session.add(FinancingCase(organization_id=org.id, patents="ZL201710601862.3", amount_wanted=Decimal(100),
                                     term_months=12, applied_at=datetime(year, 6, 1)))  # fmt: skip
    db.session.commit()


@pytest.mark.parametrize("typed", ["2020", "２０２０", "2020年", " ２０２０年 "])
def test_a_year_typed_in_any_width_filters_the_cases(client, auth, cases, typed):
    auth.login("broker")
    body = client.get("/financing/", query_string={"year": typed}).get_data(as_text=True)
    assert "二〇二〇年申请企业" in body and "二〇二一年申请企业" not in body and NOTICE not in body


@pytest.mark.parametrize("typed", ["abc", "1899", "20200", "二〇二〇"])
def test_an_unreadable_year_says_the_list_is_not_filtered(client, auth, cases, typed):
    auth.login("broker")
    body = client.get("/financing/", query_string={"year": typed}).get_data(as_text=True)
    assert f"年度“{typed}”无法识别" in body and NOTICE in body
    assert "二〇二〇年申请企业" in body and "二〇二一年申请企业" in body


def test_training_lists_read_and_refuse_years_the_same_way(client, auth):
    db.session.add_all([TrainingCourse(title="二〇二〇年培训班", year=2020, status="open"),
                        TrainingCourse(title="二〇二一年培训班", year=2021, status="open")])  # fmt: skip
    db.session.commit()
    auth.login("admin")
    body = client.get("/training/", query_string={"year": "２０２０"}).get_data(as_text=True)
    assert "二〇二〇年培训班" in body and "二〇二一年培训班" not in body and NOTICE not in body
    body = client.get("/training/", query_string={"year": "去年"}).get_data(as_text=True)
    assert "年度“去年”无法识别" in body and "二〇二一年培训班" in body
    body = client.get("/training/certificates", query_string={"year": "abc"}).get_data(as_text=True)
    assert "年度“abc”无法识别" in body
