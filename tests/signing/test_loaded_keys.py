"""The platform's keys are decrypted once per process, and again when their files or the master key change."""

import threading
import time

from cryptography.hazmat.primitives import serialization

from matchmaker.signing import pades
from matchmaker.signing.authority import Authority, KeyCipher, fingerprint
from matchmaker.signing.verify import verify_pdf

STEMS = ("ca", "tsa", "platform")


def counting(monkeypatch, pause=0.0):
    """Count (and optionally slow down) every private key KeyCipher decrypts."""
    calls = []
    real = KeyCipher.decrypt

    def decrypt(self, pem):
        calls.append(pem)
        time.sleep(pause)  # a slow decryption: other threads run meanwhile
        return real(self, pem)

    monkeypatch.setattr(KeyCipher, "decrypt", decrypt)
    return calls


def platform_signature(ca, pdf):
    """The platform's final signature as the app makes it: a signer and a timestamper for this signature."""
    return pades.sign_platform(pdf, ca.platform_signer(), "平台见证", "测试对接平台", ca.timestamper())


def test_platform_keys_are_decrypted_once_for_many_signatures(tmp_path, prepared_pdf, monkeypatch):
    """Three signatures, each by a new Authority over the same folder (the app makes one per app): the platform's and
    the TSA's keys are decrypted once each, pyHanko loads no key again, and every signature verifies."""
    Authority.ensure(tmp_path, name="测试对接平台")
    decrypted = counting(monkeypatch)
    reloads = []
    real_load = serialization.load_der_private_key
    monkeypatch.setattr(serialization, "load_der_private_key", lambda *a, **k: reloads.append(1) or real_load(*a, **k))
    for _ in range(3):
        ca = Authority.ensure(tmp_path)
        (check,) = verify_pdf(platform_signature(ca, prepared_pdf), [ca.root], ca.root).signatures
        assert check.bottom_line and check.timestamp_ok and check.fingerprint == fingerprint(ca.platform)
    assert sorted(decrypted) == sorted((tmp_path / f"{stem}.key.pem").read_bytes() for stem in ("tsa", "platform"))
    assert reloads == []


def test_concurrent_first_signatures_decrypt_once(tmp_path, monkeypatch):
    """Eight threads needing the TSA's key at the same moment: one decrypts it, the others wait and share it."""
    ca = Authority.ensure(tmp_path)
    decrypted = counting(monkeypatch, pause=0.2)
    start = threading.Barrier(8)
    keys = []

    def use():
        start.wait()
        keys.append(ca.timestamper().private_key)

    threads = [threading.Thread(target=use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(decrypted) == 1 and len(keys) == 8 and all(k is keys[0] for k in keys)


def test_replaced_keys_sign_the_next_signature(tmp_path, prepared_pdf, authority):
    """The folder's certificates and keys replaced (another CA's, encrypted with this folder's master key) while the
    Authority object stays (as the app keeps it): the next signature carries the new platform certificate, and its
    signature and timestamp verify against the new root only."""
    ca = Authority.ensure(tmp_path, name="测试对接平台")
    before = verify_pdf(platform_signature(ca, prepared_pdf), [ca.root], ca.root).signatures[0]
    assert before.bottom_line and before.fingerprint == fingerprint(ca.platform) != fingerprint(authority.platform)

    for stem in STEMS:  # keys first, then certificates, as Authority writes a folder
        pem = (authority.directory / f"{stem}.key.pem").read_bytes()
        (tmp_path / f"{stem}.key.pem").write_bytes(ca.cipher.encrypt(authority.cipher.decrypt(pem)))
    for stem in STEMS:
        (tmp_path / f"{stem}.pem").write_bytes((authority.directory / f"{stem}.pem").read_bytes())

    (after,) = verify_pdf(platform_signature(ca, prepared_pdf), [authority.root], authority.root).signatures
    assert after.fingerprint == fingerprint(authority.platform) and ca.root_fingerprint == authority.root_fingerprint
    assert after.bottom_line and after.trusted and after.platform_ca and after.timestamp_ok


def test_the_app_signs_with_a_new_master_key_or_signing_folder(app, tmp_path, prepared_pdf):
    """In the app: master.key replaced (the key files encrypted again with it), then SIGNING_DIR moved to a new
    folder: each next signature is made, verifies, and carries the platform certificate of what is configured now."""
    from matchmaker.contracts.signing_keys import authority, timestamper

    def sign_and_check():
        ca = authority()
        signed = pades.sign_platform(prepared_pdf, ca.platform_signer(), "平台见证", "测试对接平台", timestamper())
        (check,) = verify_pdf(signed, [ca.root], ca.root).signatures
        assert check.bottom_line and check.timestamp_ok
        return check.fingerprint

    folder = tmp_path / "signing"
    app.config["SIGNING_DIR"] = str(folder)
    first = sign_and_check()
    assert first == fingerprint(Authority.ensure(folder).platform)

    old, new = authority().cipher, KeyCipher(b"a-new-master-key-0123456789abcdef")
    for stem in STEMS:
        path = folder / f"{stem}.key.pem"
        path.write_bytes(new.encrypt(old.decrypt(path.read_bytes())))
    (folder / "master.key").write_bytes(b"a-new-master-key-0123456789abcdef\n")
    assert sign_and_check() == first  # the same certificate, its key decrypted with the new master key

    app.config["SIGNING_DIR"] = str(tmp_path / "moved")
    moved = sign_and_check()
    assert moved == fingerprint(Authority.ensure(tmp_path / "moved").platform) != first
