"""Text as stored: NFKC, no NUL, control or bidi-override characters (issue 13)."""

import random

import pytest
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField

from matchmaker.extensions import db
from matchmaker.models import Contract, TechNeed, TrainingEnrolment
from matchmaker.utils.text import _CJK_PUNCT, _cleaned, clean_text

from ..contracts.test_contracts import GOOD
from ..factories import make_user
from ..needs.helpers import NEED_FORM
from ..training.test_training import make_course


def test_clean_text():
    assert clean_text("合同\x00名称\u202e\u2066ＡＢＣ１２３\u200b") == "合同名称ABC123"
    assert clean_text("需求（保密），急！") == "需求（保密），急！"  # Chinese punctuation stays full-width
    assert clean_text("ﬁ①㎡") == "fi1m2"
    assert clean_text("第一行\r\n第二行\t完") == "第一行\r\n第二行\t完"
    assert clean_text("一\n行", multiline=False) == "一行"
    assert clean_text(None) is None and clean_text(5) == 5


def test_text_with_nothing_to_change_is_returned_as_it_is_and_all_else_cleaned_as_before():
    """clean_text returns printable text already in NFKC at once (an import cleans every cell): on mixes of what
    NFKC composes or folds (combining marks, jamo, full-width letters, ligatures, CJK punctuation) and what is
    dropped (controls, bidi overrides, zero-width, line breaks), every result is the character-by-character one."""
    pool = list("aZ9 ，：（）！？,.:()中文eＡＢ１２ﬁ①㎡가") + list("\u0301\u1100\u1161\u11a8\u3000\u00a0\u2028")
    pool += ["\x00", "\x07", "\n", "\r", "\t", "\u200b", "\u202e", "\u2066", "\ufeff", "\U0001f600", "\U000e0001"]
    cell = "行1文本（备注），user@ent.cn 30"
    assert clean_text(cell) is cell  # not rebuilt character by character
    rng = random.Random(13)
    texts = ["".join(rng.choices(pool, k=rng.randint(0, 8))) for _ in range(20_000)]
    texts += [chr(c) for c in range(0x3_0000) if not 0xD800 <= c < 0xE000] + ["e" + chr(c) for c in range(0x300, 0x370)]
    for text in texts:
        for multiline in (True, False):
            assert clean_text(text, multiline) == _cleaned(_CJK_PUNCT.split(text), multiline), repr(text)


def test_contract_title_is_stored_clean(client, auth):
    """The issue's case: NUL and right-to-left override in a contract title are dropped before saving."""
    auth.login("broker")
    resp = client.post("/contracts/new", data=dict(GOOD, title="专利\x00转让\u202e合同\u202c（ＡＢ）"))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1000]
    assert db.session.scalar(db.select(Contract.title)) == "专利转让合同（AB）"


def test_every_form_cleans_text_but_not_passwords(app):
    class Probe(FlaskForm):
        line = StringField()
        text = TextAreaField()
        secret = PasswordField()

    data = {"line": "a\x00b\u202ec\n", "text": "x\x07y\nz", "secret": "ｐａｓｓ\x00"}
    with app.test_request_context("/", method="POST", data=data):
        form = Probe()
        assert (form.line.data, form.text.data, form.secret.data) == ("abc", "xy\nz", "ｐａｓｓ\x00")


# Hangul fillers and the blank braille pattern are letters to Unicode but draw nothing; NFKC keeps them.
BLANKS = ["\u3164\u3164\u3164\u3164\u3164", "\u2800\u2800", "\uffa0 \u115f", "\u0301\u0301"]


@pytest.mark.parametrize("blank", BLANKS)
def test_a_required_name_that_draws_nothing_is_refused(client, auth, blank):
    """A contract titled ㅤㅤ and a trainee named ⠀⠀ were saved and listed as empty cells; they are now refused
    as not filled in, and nothing is stored."""
    auth.login("broker")
    resp = client.post("/contracts/new", data=dict(GOOD, title=blank))
    assert resp.status_code == 400 and "请填写合同名称" in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Contract.id))) == 0
    course = make_course(capacity=5, sessions=0)
    auth.logout()
    auth.login("admin")
    person = {"name": blank, "org_name": "南方理工大学", "org_kind": "university"}
    resp = client.post(f"/training/{course.id}/enrolments", data=person)
    assert resp.status_code == 400 and "请填写姓名" in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(TrainingEnrolment.id))) == 0


@pytest.mark.parametrize("blank", BLANKS)
def test_a_need_titled_with_letters_that_draw_nothing_is_refused(client, auth, blank):
    """Five Hangul fillers passed the title's 5–100 characters: the need was published with a blank title."""
    auth.login("enterprise")
    resp = client.post("/needs/new", data=dict(NEED_FORM, title=blank))
    assert resp.status_code in (200, 400) and "请填写标题" in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(TechNeed.id))) == 0


def test_a_password_of_blank_letters_still_logs_in(client):
    """Passwords are taken as typed: the visible-text rule is for names, not for the login form."""
    make_user("enterprise", password="\u3164" * 12, email="blank@example.cn")
    resp = client.post("/auth/login", data={"email": "blank@example.cn", "password": "\u3164" * 12})
    assert resp.status_code == 302
