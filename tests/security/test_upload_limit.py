"""An import file over the configured size is refused before it is read."""

import io

from matchmaker.extensions import db
from matchmaker.models import TechNeed

from ..factories import make_user


def test_oversized_import_is_refused_with_413(make_app, monkeypatch):
    app = make_app(MAX_CONTENT_LENGTH=2048)
    read = []
    from matchmaker.imports import services as imports

    monkeypatch.setattr(imports, "validate_upload", lambda *a, **k: read.append(a) or None)
    with app.app_context():
        admin = make_user("admin")
        client = app.test_client()
        client.post("/auth/login", data={"email": admin.email, "password": "password123"})
        big = io.BytesIO(b"title,problem\n" + b"x" * 10_000)
        resp = client.post("/needs/import", data={"kind": "need", "file": (big, "needs.csv")},
                           content_type="multipart/form-data")  # fmt: skip
        assert resp.status_code == 413
        assert "文件过大" in resp.get_data(as_text=True)
        assert read == []  # the upload never reached the importer
        assert db.session.scalar(db.select(db.func.count(TechNeed.id))) == 0
