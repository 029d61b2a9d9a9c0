"""Patent numbers typed in an input method's full-width mode (ＺＬ２０１７１０６０１８６２．３): the forms turn the
letters and digits half-width, but keep full-width punctuation, so the full stop before the check digit stayed ．"""

from matchmaker.extensions import db
from matchmaker.listings.validation import clean_patents
from matchmaker.models import Result

from .test_results import FORM


def test_a_full_width_patent_number_is_stored_half_width(client, auth):
    """The number a researcher types in full-width mode is the same number: stored as ZL201710601862.3, not refused
    as 格式不正确 for its full-width full stop."""
    auth.login("researcher")
    typed = "ＺＬ２０１７１０６０１８６２．３，ZL95115608．X"
    resp = client.post("/results/new", data=dict(FORM, patent_numbers=typed))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    r = db.session.scalar(db.select(Result))
    assert r.patent_numbers == "ZL201710601862.3, ZL95115608.X"


def test_financing_reads_a_full_width_patent_number(client, auth):
    """The financing application checks pledged patents with the same rules: a full-width full stop is accepted."""
    auth.login("enterprise")
    form = {"patents": "ZL201710601862．3", "amount_wanted": "100", "term_months": "12", "purpose": "扩产"}
    resp = client.post("/financing/new", data=form)
    assert resp.status_code == 302, resp.get_data(as_text=True)


def test_the_rule_itself_reads_full_width_characters():
    """clean_patents, which the forms and the bulk import share, reads the number whatever it was cleaned by."""
    assert clean_patents("ＺＬ２０１７１０６０１８６２．３") == "ZL201710601862.3"
