"""Check every signature of a PDF with pyHanko's validator: signer, time, integrity and trust.

Trust is checked against the roots given (the platform's CA, and any licensed CA a deployment
configures); nothing is fetched from the network. A signature's certificate is judged at the time
its timestamp attests when the timestamp itself is valid and trusted, so a contract signed with a
certificate that has since expired still verifies (that is what the timestamp is for).
"""

from dataclasses import dataclass, field, replace
from datetime import datetime
from io import BytesIO

from asn1crypto import x509 as asn1_x509

from .pades import PARTY_FIELDS, PLATFORM_FIELD, outside_event_loop
from .syntax import duplicates_after

FIELD_LABELS = {PARTY_FIELDS[0]: "甲方", PARTY_FIELDS[1]: "乙方", PLATFORM_FIELD: "平台"}
MAX_SIGNATURES = 20
# Each signature's check reviews every later revision against all earlier ones (pyHanko's diff
# analysis, quadratic): 1,000 revisions appended to a signed contract took 9 s, 3,000 took 73 s.
# A file signed by 20 parties with a DSS and a timestamp after each stays well under 100.
MAX_REVISIONS = 100
# Opening the file reads every revision (0.1 ms each: the 94,000 empty ones that fit in 5 MB took
# 10 s), so they are bounded before pyHanko reads anything. Each revision starts at "xref" (a table)
# or is a stream ("stream"); "startxref" and "endstream" count too, so a genuine file is far below.
MAX_STRUCTURE_MARKERS = 20_000
TOO_MANY_REVISIONS = f"该 PDF 的修订次数过多（超过 {MAX_REVISIONS} 次），不予验证"
# Each signature's check also reads every object written after it: one update adding 30,000 pages
# (3.5 MB) to the signed contract took 9.5 s, 29 s to a contract of 20 signatures. A signature
# writes 5 or 6 objects, a DSS (validation data) 3 to 5 more: 20 signatures with a DSS after each
# wrote 160 after the first one. Counted once the file is open (0.3 s for those 30,000).
MAX_OBJECTS_AFTER_SIGNING = 1_000
TOO_MUCH_AFTER_SIGNING = (
    f"该 PDF 在签署后被追加了大量内容（超过 {MAX_OBJECTS_AFTER_SIGNING} 个对象），签署后的文件已被改动，不予验证"
)


UNREADABLE = "无法读取该 PDF 文件（文件已损坏或格式不受支持）"


class NotAPdf(ValueError):
    """The bytes are not a PDF pyHanko can read."""


@dataclass(frozen=True)
class SignatureCheck:
    """What a person needs to know about one signature."""

    field: str
    label: str  # 甲方 / 乙方 / 平台, or the field name
    signer: str  # the certificate's organisation / common name
    signer_id: str  # organisationIdentifier (统一社会信用代码) when present
    issuer: str
    serial: str
    fingerprint: str
    person: str  # /Name in the signature dictionary: who confirmed on the platform
    reason: str
    time: datetime | None
    time_source: str  # "timestamp" (attested by a TSA) / "claimed" (the signer's clock) / ""
    intact: bool  # the signed bytes are unchanged
    valid: bool  # the cryptographic signature is correct
    trusted: bool  # the certificate chains to one of the trust roots
    platform_ca: bool  # ... and that root is the platform's own authority
    timestamp_ok: bool | None  # None: no timestamp
    covers_whole_file: bool
    modifications: str  # none / signatures only / other changes
    modifications_ok: bool
    bottom_line: bool
    summary: str = ""

    @property
    def status_text(self):
        if self.bottom_line:
            return "有效"
        if not self.intact:
            return "签名后内容被改动"
        if not self.valid:
            return "签名无效"
        if not self.trusted:
            return "证书不可信"
        if not self.modifications_ok:
            return "签名后有不允许的修改"
        return "无效"


@dataclass(frozen=True)
class Verification:
    """Every signature of a document, and the verdict on the whole."""

    signatures: tuple
    problems: tuple = field(default_factory=tuple)

    @property
    def ok(self):
        return bool(self.signatures) and all(s.bottom_line for s in self.signatures) and not self.problems

    def complete(self, parties=PARTY_FIELDS, final=PLATFORM_FIELD):
        """True when every party signed (in either order), validly, then ``final`` last over the whole file."""
        signed = [s.field for s in self.signatures]
        return (
            self.ok
            and sorted(signed[:-1]) == sorted(parties)
            and signed[-1] == final
            and self.signatures[-1].covers_whole_file
        )


def _name_part(name: asn1_x509.Name, key):
    try:
        return name.native.get(key) or ""
    except (ValueError, KeyError):
        return ""


def _context(trust_roots, moment=None):
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(
        trust_roots=list(trust_roots), allow_fetching=False, revocation_mode="soft-fail", moment=moment
    )


def _modification_text(level):
    from pyhanko.sign.diff_analysis import ModificationLevel

    if level is None:
        return "未知"
    return {
        ModificationLevel.NONE: "签名后无修改",
        ModificationLevel.LTA_UPDATES: "签名后仅追加了验证信息",
        ModificationLevel.FORM_FILLING: "签名后仅追加了其他签名",
        ModificationLevel.ANNOTATIONS: "签名后追加了批注",
    }.get(level, "签名后有其他修改")


def _check_one(emb, trust_roots, platform_root_fp):
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    status = validate_pdf_signature(emb, _context(trust_roots), _context(trust_roots))
    ts = status.timestamp_validity
    ts_ok = None if ts is None else bool(ts.intact and ts.valid and ts.trusted)
    if ts_ok and not status.trusted:
        # The certificate may have expired since: judge it at the attested signing time.
        status = validate_pdf_signature(emb, _context(trust_roots, ts.timestamp), _context(trust_roots))
    cert = status.signing_cert
    path = status.validation_path
    root = path.first if path is not None and status.trusted else None
    root_fp = root.sha256.hex() if root is not None else None
    sig = emb.sig_object
    when, source = (ts.timestamp, "timestamp") if ts_ok else (status.signer_reported_dt, "claimed")
    level = status.modification_level
    return SignatureCheck(
        field=emb.field_name,
        label=FIELD_LABELS.get(emb.field_name, emb.field_name),
        signer=_name_part(cert.subject, "organization_name") or _name_part(cert.subject, "common_name"),
        signer_id=_name_part(cert.subject, "organization_identifier"),
        issuer=_name_part(cert.issuer, "organization_name") or _name_part(cert.issuer, "common_name"),
        serial=format(cert.serial_number, "x"),
        fingerprint=cert.sha256.hex(),
        person=str(sig.get("/Name", "") or ""),
        reason=str(sig.get("/Reason", "") or ""),
        time=when,
        time_source=source if when else "",
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        platform_ca=bool(status.trusted and platform_root_fp and root_fp == platform_root_fp),
        timestamp_ok=ts_ok,
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        modifications=_modification_text(level),
        modifications_ok=bool(status.docmdp_ok or level is None),
        bottom_line=bool(status.bottom_line and (ts_ok is not False)),
        summary=status.summary(),
    )


def _objects_after_signing(reader, embedded):
    """How many objects the revisions after the first signed one write (added or replaced)."""
    if not embedded:
        return 0
    xrefs = reader.xrefs
    first = min(emb.signed_revision for emb in embedded)
    return sum(len(xrefs.explicit_refs_in_revision(r)) for r in range(first + 1, xrefs.total_revisions))


def _duplicates_text(duplicates):
    """One line for the keys defined twice after signing (pyHanko read the first definition, a viewer may use the last)."""
    named = [("文件尾" if obj == "trailer" else f"对象 {obj} ") + f"的 {key}" for _, obj, key in duplicates[:3]]
    more = f"等 {len(duplicates)} 处" if len(duplicates) > 3 else ""
    return (
        f"签署后追加的内容重复定义了同一字典键（{'、'.join(named)}{more}）：不同的 PDF 阅读器会读出不同的内容，"
        "签署后的文件已被改动，不可信"
    )


@outside_event_loop
def verify_pdf(data: bytes, trust_roots, platform_root=None) -> Verification:
    """Every signature in ``data`` checked against ``trust_roots`` (asn1crypto or PEM/DER bytes)."""
    from pyhanko.pdf_utils.crypt import AuthStatus
    from pyhanko.pdf_utils.reader import PdfFileReader

    from .pades import _asn1_cert

    if not data.lstrip()[:5] == b"%PDF-":
        raise NotAPdf("这不是 PDF 文件")
    if data.count(b"xref") + data.count(b"stream") > MAX_STRUCTURE_MARKERS:
        raise NotAPdf(TOO_MANY_REVISIONS)
    roots = [_asn1_cert(r) for r in trust_roots]
    platform_fp = _asn1_cert(platform_root).sha256.hex() if platform_root is not None else None
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        too_many = reader.xrefs.total_revisions > MAX_REVISIONS
        # Only an owner password (restricting printing or copying) opens with the empty one; an open
        # password hid the signatures: "没有数字签名" for an unsigned-looking file, or "已损坏" for a signed one.
        locked = not too_many and reader.encrypted and reader.decrypt("").status == AuthStatus.FAILED
        embedded = [] if too_many or locked else list(reader.embedded_regular_signatures)
        added = _objects_after_signing(reader, embedded) if len(embedded) <= MAX_SIGNATURES else 0
    except MemoryError:
        raise  # not the file's fault alone: the caller's limit (isolation.py) says so
    except Exception as exc:  # noqa: BLE001 -- any parse failure of an untrusted upload is "unreadable"
        raise NotAPdf(UNREADABLE) from exc
    if too_many:
        raise NotAPdf(TOO_MANY_REVISIONS)
    if locked:
        raise NotAPdf("该 PDF 设置了打开密码，无法验证其中的签名；请上传未加密的文件")
    if len(embedded) > MAX_SIGNATURES:
        raise NotAPdf(f"签名过多（超过 {MAX_SIGNATURES} 个），不予验证")
    if added > MAX_OBJECTS_AFTER_SIGNING:
        raise NotAPdf(TOO_MUCH_AFTER_SIGNING)
    try:
        first = min((emb.signed_revision for emb in embedded), default=None)
        duplicates = [] if first is None else duplicates_after(reader, data, first)
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 -- as above
        raise NotAPdf(UNREADABLE) from exc
    checks, problems = [], [_duplicates_text(duplicates)] if duplicates else []
    for emb in embedded:
        try:
            check = _check_one(emb, roots, platform_fp)
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001 -- a malformed signature is reported, not raised
            problems.append(f"签名域 {emb.field_name} 无法解析：{type(exc).__name__}")
            continue
        if any(rev > emb.signed_revision for rev, _, _ in duplicates):
            check = replace(check, modifications="签名后有其他修改", modifications_ok=False, bottom_line=False)
        checks.append(check)
    return Verification(tuple(checks), tuple(problems))
