"""A party named "{nb}科技有限公司" (attack, 2026-12-04): fpdf2 replaced "{nb}" in every string of the PDF with
the page count, so the contract to be signed named "3科技有限公司"; now only the footer's own count is replaced."""

import shutil
import subprocess
from dataclasses import replace

import pytest

from matchmaker.signing import pdf
from matchmaker.signing.pdf import render_pdf
from matchmaker.signing.text import Party, build_text

from .conftest import TERMS


def _text_of(pdf_bytes, tmp_path):
    exe = shutil.which("pdftotext")
    if not exe:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "contract.pdf"
    path.write_bytes(pdf_bytes)
    return subprocess.run([exe, str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_braces_nb_in_a_party_name_stay_as_typed(tmp_path):
    terms = replace(TERMS, buyer=Party("{nb}科技有限公司", address="{nb}号"), extra="本合同共{nb}份。")
    text = _text_of(render_pdf(build_text(terms)), tmp_path)
    assert "{nb}科技有限公司" in text and "{nb}号" in text and "本合同共{nb}份。" in text
    pages = text.count("\f")
    assert f"第1页共{pages}页" in text.replace(" ", "")  # the footer's count is still filled in


def test_documents_without_it_keep_their_bytes(monkeypatch):
    """The placeholder is measured as "{nb}" was: a document without "{nb}" renders to the same bytes (hash)."""
    now = render_pdf(build_text(TERMS))
    monkeypatch.setattr(pdf, "PAGE_COUNT", "{nb}")  # fpdf2's default, as documents were made before
    assert render_pdf(build_text(TERMS)) == now
