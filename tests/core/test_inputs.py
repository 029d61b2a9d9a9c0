"""Typed form fields (utils/inputs.py): whole numbers and date-times typed oddly get a Chinese form error,
never Python's English message or a 500."""

from datetime import datetime, timedelta

import pytest
from wtforms import Form

from matchmaker.extensions import db
from matchmaker.models import LiveSession
from matchmaker.utils.inputs import DateTimeInput, IntInput


class _Numbers(Form):
    capacity = IntInput("名额（人）", low=-10, high=100000)
    starts_at = DateTimeInput("开始时间")


class _Posted(dict):
    def getlist(self, key):
        return [self[key]] if key in self else []


def _form(**typed):
    return _Numbers(_Posted(typed))


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("①", "名额（人）必须是整数，只能填写半角阿拉伯数字：“①”请填写为 1"),
        ("²", "名额（人）必须是整数，只能填写半角阿拉伯数字：“²”请填写为 2"),
        ("٣", "名额（人）必须是整数，只能填写半角阿拉伯数字"),  # not changed by NFKC: no hint
        ("--5", "名额（人）必须是整数，只能填写半角阿拉伯数字"),
        ("5人", "名额（人）必须是整数，只能填写半角阿拉伯数字"),
        ("9" * 5000, "名额（人）应在 -10–100000 之间"),
    ],
)
def test_a_whole_number_takes_ascii_digits_only(typed, message):
    """①, ², other scripts' digits, a doubled minus: a Chinese error saying what to type (full-width digits are
    read, then asked about: test_full_width_digits_are_read_and_asked_about)."""
    form = _form(capacity=typed)
    assert form.capacity.data is None and form.capacity.raw == typed
    assert form.capacity.process_errors == [message]


@pytest.mark.parametrize(("typed", "value"), [("１２", 12), ("－３", -3), ("1２", 12)])
def test_full_width_digits_are_read_and_asked_about(typed, value):
    """A Chinese input method's １２ is read as 12, as the amount fields read theirs, and asked about before saving
    (it was refused: 只能填写半角阿拉伯数字)."""
    form = _form(capacity=typed)
    assert form.capacity.data == value and form.capacity.process_errors == []
    assert (
        not form.validate()
        and form.capacity.confirm_message == f"您填写的“{typed}”含全角或特殊字符，将按 {value} 保存，请确认"
    )
    confirmed = _Numbers(_Posted(capacity=typed, capacity_confirm=str(value)))
    assert confirmed.validate() and confirmed.capacity.data == value


@pytest.mark.parametrize(("typed", "value"), [("12", 12), ("-3", -3), ("0", 0), (" 7 ", 7)])
def test_a_plain_whole_number_is_read(typed, value):
    form = _form(capacity=typed)
    assert form.capacity.data == value and form.capacity.process_errors == []


@pytest.mark.parametrize("typed", ["2027-01-10T14:00Z", "2027-01-10T14:00+08:00", "2027-01-10 14:00-05:00"])
def test_a_time_with_an_offset_is_refused(typed):
    """The picker sends Beijing time without an offset; "Z" (8 hours off) or "+08:00" (an aware value that
    cannot be compared with a naive one) is refused in Chinese."""
    form = _form(starts_at=typed)
    assert form.starts_at.data is None and form.starts_at.raw == typed.strip()
    assert form.starts_at.process_errors == ["时间请按北京时间填写，不要带时区（如 Z、+08:00），如 2020-06-30 14:30"]


def test_a_plain_time_is_read():
    assert _form(starts_at="2027-01-10T14:00").starts_at.data == datetime(2027, 1, 10, 14, 0)
    assert _form(starts_at="2027-01-10 14:00:59").starts_at.data == datetime(2027, 1, 10, 14, 0)


def _session_form(start, end):
    return {"kind": "class", "title": "高新技术企业认定政策解读", "starts_at": start, "ends_at": end, "speaker": "王芳",
            "live_link": "https://live.example.cn/room/9", "capacity": "", "replay_link": "", "materials": "",
            "description": "", "published": "y", "event_id": ""}  # fmt: skip


@pytest.mark.parametrize("start", ["2027-01-10T14:00+08:00", "2027-01-10T14:00Z"])
def test_a_class_scheduled_with_an_offset_is_a_form_error(client, auth, start):
    """POST /classes/new with an offset beside a naive end time: a form error (400), not a 500, nothing saved."""
    auth.login("broker")
    resp = client.post("/classes/new", data=_session_form(start, "2027-01-10T16:00"))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "时间请按北京时间填写，不要带时区" in page and start in page
    assert db.session.scalar(db.select(db.func.count(LiveSession.id))) == 0


def test_a_whole_number_field_shows_a_chinese_error_on_a_page(client, auth):
    """The fast channel's service level typed as ①: the page says so in Chinese, nothing in English."""
    auth.login("admin")
    resp = client.post("/urgent/settings", data={"sla_hours": "①", "day_start": "9", "day_end": "17",
                                                 "holidays": "", "workdays": ""})  # fmt: skip
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "审核时限（工作小时）必须是整数" in page and "invalid literal" not in page


def test_the_next_year_class_is_still_saved(client, auth):
    """A plain datetime-local value is saved as typed (Beijing time)."""
    auth.login("broker")
    start = (datetime.now() + timedelta(days=30)).replace(second=0, microsecond=0)
    data = _session_form(start.strftime("%Y-%m-%dT%H:%M"), (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    assert client.post("/classes/new", data=data).status_code == 302
    assert db.session.scalar(db.select(LiveSession.starts_at)) == start
