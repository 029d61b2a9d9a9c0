"""Text as stored: NFKC, no NUL, control or bidi-override characters (issue 13)."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField

from matchmaker.extensions import db
from matchmaker.models import Contract
from matchmaker.utils.text import clean_text

from ..contracts.test_contracts import GOOD


def test_clean_text():
    assert clean_text("合同\x00名称\u202e\u2066ＡＢＣ１２３\u200b") == "合同名称ABC123"
    assert clean_text("需求（保密），急！") == "需求（保密），急！"  # Chinese punctuation stays full-width
    assert clean_text("ﬁ①㎡") == "fi1m2"
    assert clean_text("第一行\r\n第二行\t完") == "第一行\r\n第二行\t完"
    assert clean_text("一\n行", multiline=False) == "一行"
    assert clean_text(None) is None and clean_text(5) == 5


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
