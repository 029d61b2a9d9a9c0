"""PAdES without the app: three signatures, intact, chained to the platform CA; any change afterwards is caught."""

import os
import shutil
import stat
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12

from matchmaker.signing import pades
from matchmaker.signing.authority import Authority, AuthorityError, KeyCipher, Subject
from matchmaker.signing.pades import PARTY_FIELDS, PLATFORM_FIELD, SigningFailed
from matchmaker.signing.verify import NotAPdf, verify_pdf


def test_three_signatures_intact_and_chained(authority, signed_pdf, terms):
    """甲方, 乙方 and the platform: each intact, trusted through the platform CA, timestamped, in order."""
    v = verify_pdf(signed_pdf, [authority.root], authority.root)
    assert v.ok and v.complete()
    assert [s.field for s in v.signatures] == [*PARTY_FIELDS, PLATFORM_FIELD]
    assert [s.signer for s in v.signatures] == [terms.buyer.name, terms.seller.name, "测试对接平台"]
    assert v.signatures[0].signer_id == terms.buyer.uscc
    assert [s.person for s in v.signatures[:2]] == ["张伟", "王强"]
    for s in v.signatures:
        assert s.intact and s.valid and s.trusted and s.platform_ca and s.timestamp_ok and s.bottom_line
        assert s.time_source == "timestamp" and s.issuer == "测试对接平台"
    assert not v.signatures[0].covers_whole_file and v.signatures[0].modifications == "签名后仅追加了其他签名"
    assert v.signatures[-1].covers_whole_file and v.signatures[-1].modifications == "签名后无修改"
    assert v.signatures[0].time <= v.signatures[1].time <= v.signatures[2].time


def test_either_party_may_sign_first(authority, prepared_pdf, party_creds):
    """乙方 before 甲方 is as complete as the usual order; a platform signature before both parties is not."""
    a, b = party_creds
    ts = authority.timestamper()
    one = pades.sign_party(prepared_pdf, authority.signer_for(b.cert_pem, b.key_pem), 1, "乙方签署", timestamper=ts)
    two = pades.sign_party(one, authority.signer_for(a.cert_pem, a.key_pem), 0, "甲方签署", timestamper=ts)
    done = pades.sign_platform(two, authority.platform_signer(), "平台", timestamper=ts)
    v = verify_pdf(done, [authority.root], authority.root)
    assert [s.field for s in v.signatures] == [PARTY_FIELDS[1], PARTY_FIELDS[0], PLATFORM_FIELD] and v.complete()
    early = verify_pdf(pades.sign_platform(one, authority.platform_signer(), "平台", timestamper=ts), [authority.root])
    assert early.ok and not early.complete()  # valid signatures, but 甲方 never signed


def test_each_signature_is_an_incremental_update(prepared_pdf, signed_pdf):
    """The prepared document's bytes are the signed file's first bytes: nothing before a signature is rewritten."""
    assert signed_pdf.startswith(prepared_pdf)
    assert signed_pdf.count(b"%%EOF") == prepared_pdf.count(b"%%EOF") + 3


@pytest.mark.parametrize("where", ["body", "last_revision"])
def test_a_byte_changed_after_signing_fails(authority, prepared_pdf, signed_pdf, where):
    """Flip one byte of the contract's text, or of the platform's revision: validation fails."""
    bad = bytearray(signed_pdf)
    if where == "body":
        i = len(prepared_pdf) // 2
        bad[i] ^= 0x01
    else:  # a digit of the platform's signing time (/M), signed but outside /Contents
        i = signed_pdf.rindex(b"Z)\n/Name") - 1
        bad[i] = ord("1") if bad[i] == ord("0") else ord("0")
    v = verify_pdf(bytes(bad), [authority.root], authority.root)
    assert not v.ok and not v.complete()
    broken = [s for s in v.signatures if not s.intact]
    assert broken and all(s.status_text == "签名后内容被改动" for s in broken)
    if where == "body":
        assert len(broken) == 3  # every signature covers the contract's text
    else:
        assert [s.label for s in broken] == ["平台"]


def test_a_change_appended_after_the_platform_signature_is_caught(authority, signed_pdf, party_creds):
    """Nothing may follow the platform's locking signature: even a further valid signature breaks the verdict."""
    a, _ = party_creds
    more = pades.sign_pdf(signed_pdf, authority.signer_for(a.cert_pem, a.key_pem),
                          pades.SignRequest("Signature_Extra", "追加"), authority.timestamper())  # fmt: skip
    v = verify_pdf(more, [authority.root], authority.root)
    platform = next(s for s in v.signatures if s.field == PLATFORM_FIELD)
    assert not platform.covers_whole_file and not platform.modifications_ok and not platform.bottom_line
    assert not v.ok and not v.complete()


def test_a_field_signs_once(authority, signed_pdf, party_creds):
    """Signing a party's field that already holds a signature is refused."""
    a, _ = party_creds
    with pytest.raises(SigningFailed, match="已经签署"):
        pades.sign_party(signed_pdf, authority.signer_for(a.cert_pem, a.key_pem), 0, "再签", timestamper=None)


def test_pyhanko_command_line_agrees(authority, signed_pdf, tmp_path):
    """What the README tells a user to run: `pyhanko sign validate --trust ca.pem file.pdf` says VALID for all three."""
    exe = shutil.which("pyhanko", path=str(Path(sys.executable).parent)) or shutil.which("pyhanko")
    if exe is None:
        pytest.skip("pyhanko-cli is not installed (pip install pyhanko-cli)")
    (tmp_path / "ca.pem").write_bytes(authority.root_pem)
    (tmp_path / "contract.pdf").write_bytes(signed_pdf)
    run = subprocess.run(
        [exe, "sign", "validate", "--trust-replace", "--trust", "ca.pem", "--executive-summary", "contract.pdf"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    assert len(lines) == 3 and all(line.endswith("VALID") for line in lines), run.stdout


def test_another_authority_is_not_trusted(authority, prepared_pdf, tmp_path):
    """A signature by a certificate from some other CA verifies as intact but not trusted by the platform."""
    rogue = Authority.ensure(tmp_path / "rogue", name="测试对接平台")  # same name, different keys
    cred = rogue.issue(Subject("广东光合新能源科技有限公司"))
    signed = pades.sign_party(prepared_pdf, rogue.signer_for(cred.cert_pem, cred.key_pem), 0, "冒签")
    v = verify_pdf(signed, [authority.root], authority.root)
    (s,) = v.signatures
    assert s.intact and s.valid and not s.trusted and not s.platform_ca and not v.ok
    assert s.status_text == "证书不可信" and s.time_source == "claimed"


def test_pkcs12_from_a_licensed_ca(authority, prepared_pdf, tmp_path):
    """An organisation's PKCS#12 from a licensed CA signs; it is trusted when that CA is configured, not otherwise."""
    licensed = Authority.ensure(tmp_path / "licensed", name="某电子认证服务有限公司")
    cred = licensed.issue(Subject("广东光合新能源科技有限公司", "91440101MA5CXXXX1X"))
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption

    key = licensed.cipher.decrypt(cred.key_pem)
    cert = x509.load_pem_x509_certificate(cred.cert_pem)
    p12 = pkcs12.serialize_key_and_certificates(b"org", key, cert, [licensed.root], BestAvailableEncryption(b"pw"))
    with pytest.raises(SigningFailed, match="口令"):
        pades.signer_from_pkcs12(p12, b"wrong")
    signer = pades.signer_from_pkcs12(p12, b"pw")
    signed = pades.sign_party(prepared_pdf, signer, 0, "甲方签署", timestamper=authority.timestamper())
    (s,) = verify_pdf(signed, [authority.root, licensed.root], authority.root).signatures
    assert s.bottom_line and s.trusted and not s.platform_ca and s.issuer == "某电子认证服务有限公司"
    (s,) = verify_pdf(signed, [authority.root], authority.root).signatures
    assert not s.trusted and not s.bottom_line


def test_authority_files_keys_encrypted_and_reloaded(authority):
    """The CA's files are private (0600), keys are encrypted PKCS#8, and loading again gives the same root."""
    d = authority.directory
    for name in ("master.key", "ca.pem", "ca.key.pem", "tsa.pem", "tsa.key.pem", "platform.pem", "platform.key.pem"):
        assert stat.S_IMODE(os.stat(d / name).st_mode) == 0o600, name
    for name in ("ca.key.pem", "tsa.key.pem", "platform.key.pem"):
        assert (d / name).read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    again = Authority.ensure(d)
    assert again.root_fingerprint == authority.root_fingerprint
    with pytest.raises(AuthorityError):
        Authority(d, KeyCipher(b"0" * 64)).issue(Subject("某公司"))


def test_issued_key_cannot_be_read_without_the_master_key(authority):
    """An organisation's stored key is useless without master.key."""
    cred = authority.issue(Subject("某公司"))
    assert b"ENCRYPTED PRIVATE KEY" in cred.key_pem
    with pytest.raises(AuthorityError):
        KeyCipher(b"f" * 64).decrypt(cred.key_pem)
    secret = authority.cipher.encrypt_bytes(b"p12 passphrase")
    assert authority.cipher.decrypt_bytes(secret) == b"p12 passphrase"
    with pytest.raises(AuthorityError):
        KeyCipher(b"f" * 64).decrypt_bytes(secret)


def test_partial_authority_is_not_overwritten(tmp_path):
    """A folder holding a root without the rest is an error to look at, never silently replaced."""
    Authority.ensure(tmp_path)
    (tmp_path / "platform.pem").unlink()
    with pytest.raises(AuthorityError, match="partial"):
        Authority.ensure(tmp_path)


@pytest.mark.parametrize(
    "data", [b"", b"hello", b"PK\x03\x04zip", b"%PDF-1.7\n garbage \n%%EOF", b"%PDF-" + b"0" * 5000]
)
def test_not_a_pdf(authority, data):
    """Garbage, other formats and broken PDFs are refused with a message, never an exception of pyHanko's."""
    with pytest.raises(NotAPdf):
        verify_pdf(data, [authority.root], authority.root)


def test_an_unsigned_pdf_has_no_signatures(authority, prepared_pdf):
    """A PDF without signatures is readable and not valid."""
    v = verify_pdf(prepared_pdf, [authority.root], authority.root)
    assert v.signatures == () and not v.ok


def test_signed_pdf_readable_by_pyhanko_reader(signed_pdf):
    """The signed file parses strictly (no hybrid references or syntax pyHanko must forgive)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    r = PdfFileReader(BytesIO(signed_pdf), strict=True)
    assert len(r.embedded_regular_signatures) == 3


def test_works_inside_a_running_event_loop(authority, signed_pdf):
    """Called from async code (or Playwright's sync API), verification still works (pyHanko runs its own loop)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    async def check():
        return verify_pdf(signed_pdf, [authority.root], authority.root)

    # A thread of its own: in the whole suite Playwright's sync API may already run a loop in this
    # thread (a browser journey's session fixture), where asyncio.run() itself would refuse.
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(lambda: asyncio.run(check())).result().complete()
