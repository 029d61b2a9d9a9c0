"""The signing page and the verification of the same file show each signature at the same second."""

import re
from datetime import timedelta

from matchmaker.contracts import signing_services as svc

from .test_signing import as_user, setup_parties
from .test_signing_attacks import _signed

ROW = {"buyer": "Signature_PartyA", "seller": "Signature_PartyB", "platform": "Signature_Platform"}
TIME = r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)"


def test_the_signing_page_shows_the_times_the_verification_reads_from_the_file(client, auth, monkeypatch):
    """The rows are written seconds after the signatures were made (the last party's after the platform's
    signature and its verification: here 3 s later); the pages still agree, second for second."""
    real = svc.utcnow
    monkeypatch.setattr(svc, "utcnow", lambda: real() + timedelta(seconds=3))
    s = setup_parties()
    _signed(s)
    as_user(client, auth, s.broker)
    page = client.get(f"/contracts/{s.contract.id}/signing").get_data(as_text=True)
    verify = client.get(f"/contracts/{s.contract.id}/verify").get_data(as_text=True)
    assert "验证通过" in verify
    for party, field in ROW.items():
        li = re.search(rf'<li class="mb-2" data-party="{party}">(.*?)</li>', page, re.S).group(1)
        tr = re.search(rf'<tr data-field="{field}">(.*?)</tr>', verify, re.S).group(1)
        shown, verified = re.search(TIME + " 签署", li).group(1), re.search(TIME, tr).group(1)
        assert shown == verified, party
