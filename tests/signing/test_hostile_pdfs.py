"""Hostile PDFs given to the verifier: refused with a message in bounded time, never an exception of pyHanko's."""

import multiprocessing
import os
import re
import signal
import struct
import subprocess
import sys
import time
from io import BytesIO
from pathlib import Path

import pytest

from matchmaker.signing import verify
from matchmaker.signing.isolation import verify_isolated
from matchmaker.signing.pades import outside_event_loop
from matchmaker.signing.verify import NotAPdf, verify_pdf


@pytest.fixture(autouse=True)
def _verifications_have_time(request):
    """Uploads verified with 120 s rather than SIGNING_VERIFY_TIMEOUT's 8: a genuine contract or a file refused on
    its counts needs a second or two of CPU, yet a loaded machine (load 12 on 2 cores) took 15 s of the clock to
    start the fork server and count 30,000 pages' objects, and the page said 验证超时. A test of the time limit
    itself sets its own, and asserts what the code did with it, not how long the page took."""
    if "app" in request.fixturenames:
        request.getfixturevalue("app").config["SIGNING_VERIFY_TIMEOUT"] = 120


def append_revisions(pdf, count, size=31):
    """``pdf`` with ``count`` incremental updates after it, each rewriting the /Info dictionary (object 19)."""
    out = bytearray(pdf)
    prev = int(re.findall(rb"startxref\s+(\d+)", pdf)[-1])
    for i in range(count):
        at = len(out)
        out += b"19 0 obj\n<< /Producer (r%d) >>\nendobj\n" % i
        xref = len(out)
        out += b"xref\n0 1\n0000000000 65535 f \n19 1\n%010d 00000 n \n" % at
        out += b"trailer\n<< /Size %d /Root 2 0 R /Info 19 0 R /Prev %d >>\n" % (size, prev)
        out += b"startxref\n%d\n%%%%EOF\n" % xref
        prev = xref
    return bytes(out)


def empty_revisions(pdf, count):
    """``pdf`` followed by ``count`` empty xref sections chained by /Prev: 50 bytes a revision."""
    out = bytearray(pdf)
    prev = int(re.findall(rb"startxref\s+(\d+)", pdf)[-1])
    for _ in range(count):
        at = len(out)
        out += b"xref\n0 0\ntrailer\n<</Size 31/Root 2 0 R/Prev %d>>\n" % prev
        prev = at
    return bytes(out + b"startxref\n%d\n%%%%EOF\n" % prev)


def append_pages(pdf, count):
    """``pdf`` with one incremental update: the page tree (object 1) rewritten with ``count`` more blank pages."""
    out = bytearray(pdf)
    prev = int(re.findall(rb"startxref\s+(\d+)", pdf)[-1])
    first = int(re.findall(rb"/Size (\d+)", pdf)[-1])
    old_kids = re.search(rb"/Kids \[([^\]]*)\]", pdf).group(1).split()  # the prepared document's own pages
    offsets = []
    for n in range(first, first + count):
        offsets.append(len(out))
        out += b"%d 0 obj<</Type/Page/Parent 1 0 R/MediaBox[0 0 595.28 841.89]/Resources<<>>>>endobj\n" % n
    kids = b" ".join([*old_kids, *(b"%d 0 R" % n for n in range(first, first + count))])
    at = len(out)
    out += b"1 0 obj<</Type/Pages/Count %d/Kids[%s]>>endobj\n" % (len(old_kids) // 3 + count, kids)
    xref = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n1 1\n%010d 00000 n \n%d %d\n" % (at, first, count)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 2 0 R /Prev %d >>\n" % (first + count, prev)
    return bytes(out + b"startxref\n%d\n%%%%EOF\n" % xref)


def append_catalog(pdf, entries, trailer=b"", number=2):
    """``pdf`` with one incremental update: its catalog (object 2) written again with ``entries`` added at the end
    (as object ``number``; its trailer with ``trailer`` added)."""
    start = pdf.rindex(b"\n2 0 obj") + 1
    body = pdf[start : pdf.index(b"endobj", start)].rstrip()
    out = bytearray(pdf)
    prev = int(re.findall(rb"startxref\s+(\d+)", pdf)[-1])
    size = max(int(re.findall(rb"/Size (\d+)", pdf)[-1]), number + 1)
    at = len(out)
    out += b"%d%s%s>>\nendobj\n" % (number, body[1:-2], entries)  # body: "2 0 obj\n<<...>>"
    xref = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \n" % (number, at)
    out += b"trailer\n<< /Size %d /Root 2 0 R %s/Prev %d >>\n" % (size, trailer, prev)
    return bytes(out + b"startxref\n%d\n%%%%EOF\n" % xref)


def catalog_in_object_stream(pdf, entries):
    """As ``append_catalog``, the catalog stored in an object stream (uncompressed) listed by an xref stream."""
    start = pdf.rindex(b"\n2 0 obj") + 1
    body = pdf[start : pdf.index(b"endobj", start)].rstrip()
    content = b"2 0 " + body[body.index(b"<<") : -2] + entries + b">>"
    prev = int(re.findall(rb"startxref\s+(\d+)", pdf)[-1])
    stm = int(re.findall(rb"/Size (\d+)", pdf)[-1])
    out = bytearray(pdf)
    at = len(out)
    out += b"%d 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Length %d >>\n" % (stm, len(content))
    out += b"stream\n%s\nendstream\nendobj\n" % content
    xref = len(out)
    rows = struct.pack(">BIH", 2, stm, 0) + struct.pack(">BIH", 1, at, 0) + struct.pack(">BIH", 1, xref, 0)
    out += b"%d 0 obj\n<< /Type /XRef /Size %d /Index [2 1 %d 2] /W [1 4 2] " % (stm + 1, stm + 2, stm)
    out += b"/Root 2 0 R /Prev %d /Length %d >>\n" % (prev, len(rows))
    out += b"stream\n%s\nendstream\nendobj\n" % rows
    return bytes(out + b"startxref\n%d\n%%%%EOF\n" % xref)


SCRIPT = b"<</S /JavaScript /JS (app.alert\\(1\\))>>"


def post_pdf(client, data, status=400):
    """``data`` uploaded to /contracts/verify, the multipart body encoded here: Werkzeug's test client would spool
    a body over 500 KB to a temporary file that it never closes (a ResourceWarning in a later test)."""
    boundary = "----matchmaker-hostile-pdf"
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
    body = (head + "Content-Type: application/pdf\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    resp = client.post("/contracts/verify", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert resp.status_code == status
    return resp


def test_a_few_revisions_after_the_signatures_are_still_checked(authority, signed_pdf):
    """Updates appended after signing are read and reported, the signatures no longer covering the file."""
    v = verify_pdf(append_revisions(signed_pdf, 5), [authority.root], authority.root)
    assert len(v.signatures) == 3 and not v.signatures[-1].covers_whole_file and not v.complete()


def test_the_catalog_written_again_unchanged_after_the_platform_is_not_complete(authority, signed_pdf):
    """A revision after the platform's signature that changes nothing (the catalog written again as it was) is no
    modification: every signature stays valid, but the file is not a complete signing (README, Online signing)."""
    v = verify_pdf(append_catalog(signed_pdf, b""), [authority.root], authority.root)
    assert [s.bottom_line for s in v.signatures] == [True, True, True] and not v.problems
    assert not v.signatures[-1].covers_whole_file and not v.complete()
    assert verify_pdf(signed_pdf, [authority.root], authority.root).complete()


def _not_reviewed(monkeypatch):
    """The review's steps (duplicate keys, each signature's check) fail the test if a refusal reaches them."""

    def reviewed(*args, **kwargs):
        raise AssertionError("the file was reviewed before it was refused")

    monkeypatch.setattr(verify, "duplicates_after", reviewed)
    monkeypatch.setattr(verify, "_check_one", reviewed)


def test_a_thousand_revisions_are_refused_at_once(authority, signed_pdf, monkeypatch):
    """1,000 updates appended to a signed contract (35 KB): refused before any review (9 s each signature)."""
    data = append_revisions(signed_pdf, 1000)
    _not_reviewed(monkeypatch)
    with pytest.raises(NotAPdf, match="修订次数过多"):
        verify_pdf(data, [authority.root], authority.root)


def test_tens_of_thousands_of_revisions_are_refused_before_reading(authority, signed_pdf, monkeypatch):
    """30,000 empty revisions (1.5 MB, 3 s only to open) are refused before pyHanko reads the file."""
    from pyhanko.pdf_utils import reader

    opened = []

    def spy(*args, **kwargs):
        opened.append(True)
        raise RuntimeError("opened")  # reading on would take minutes

    monkeypatch.setattr(reader, "PdfFileReader", spy)
    data = empty_revisions(signed_pdf, 30_000)
    assert len(data) < 2 * 1024 * 1024
    with pytest.raises(NotAPdf, match="修订次数过多"):
        verify_pdf(data, [authority.root], authority.root)
    assert not opened
    assert verify.MAX_STRUCTURE_MARKERS > 100 * (signed_pdf.count(b"xref") + signed_pdf.count(b"stream"))


def test_a_few_pages_added_after_signing_are_reported(authority, signed_pdf):
    """Pages appended after the signatures are read and reported: no signature covers the file, none stays valid."""
    v = verify_pdf(append_pages(signed_pdf, 5), [authority.root], authority.root)
    assert [s.field for s in v.signatures] == ["Signature_PartyA", "Signature_PartyB", "Signature_Platform"]
    assert not v.ok and not v.complete()
    assert all(not s.bottom_line and s.modifications == "签名后有其他修改" for s in v.signatures)


def test_thirty_thousand_pages_added_after_signing_are_refused_at_once(
    authority, prepared_pdf, signed_pdf, client, monkeypatch
):
    """One update adding 30,000 pages (3.5 MB) to a signed contract: refused as soon as its objects are counted,
    before any of it is reviewed (the review took 9.5 s, 29 s with 20 signatures). No clock: the review's steps
    fail the test if they are reached (a 4 s limit here failed on a busy machine)."""
    data = append_pages(signed_pdf, 30_000)
    assert 3 * 1024 * 1024 < len(data) < 4 * 1024 * 1024
    _not_reviewed(monkeypatch)
    with pytest.raises(NotAPdf, match="签署后被追加了大量内容"):
        verify_pdf(data, [authority.root], authority.root)
    text = post_pdf(client, data).get_data(as_text=True)
    assert "该 PDF 在签署后被追加了大量内容（超过 1000 个对象），签署后的文件已被改动，不予验证" in text
    # Each of the three signatures wrote 5 or 6 objects: 20 signatures, each with as many again (a DSS), stay far below.
    per_signature = signed_pdf[len(prepared_pdf) :].count(b" 0 obj") / 3
    assert verify.MAX_OBJECTS_AFTER_SIGNING > 20 * 2 * per_signature * 2


@pytest.mark.parametrize(
    "update, named",
    [
        (lambda pdf: append_catalog(pdf, b"/OpenAction " + SCRIPT), "对象 2 0 R 的 /OpenAction"),
        (lambda pdf: append_catalog(pdf, b"/Op#65nAction " + SCRIPT), "对象 2 0 R 的 /OpenAction"),
        (lambda pdf: append_catalog(pdf, b"/AA <</WC " + SCRIPT + b" /WC <<>>>>"), "对象 2 0 R 的 /WC"),
        (lambda pdf: append_catalog(pdf, b"/AA <</WC " + SCRIPT + b">>", b"/Root 40 0 R ", 40), "文件尾的 /Root"),
        (lambda pdf: catalog_in_object_stream(pdf, b"/OpenAction " + SCRIPT), "对象 2 0 R 的 /OpenAction"),
    ],
    ids=["second /OpenAction", "name escaped (#65)", "nested dictionary", "second /Root", "in an object stream"],
)
def test_a_key_defined_twice_after_signing_is_caught(authority, signed_pdf, update, named):
    """A catalog appended after signing with a second /OpenAction, a script: pyHanko read the first and found
    nothing changed (every signature 有效), a viewer using the last runs the script. Reported as changed after signing."""
    v = verify_pdf(update(signed_pdf), [authority.root], authority.root)
    assert not v.ok and not v.complete()
    assert v.problems == (
        f"签署后追加的内容重复定义了同一字典键（{named}）：不同的 PDF 阅读器会读出不同的内容，签署后的文件已被改动，不可信",
    )
    assert [(s.status_text, s.modifications) for s in v.signatures] == [
        ("签名后有不允许的修改", "签名后有其他修改")
    ] * 3


def test_the_verify_page_says_a_key_defined_twice_is_a_change(app, client, prepared_pdf):
    """On /contracts/verify the file signed by the platform was 文件中的签名均有效: now 验证未通过, and why."""
    from matchmaker.contracts.signing_keys import authority
    from matchmaker.signing import pades

    ca = authority()
    signed = pades.sign_platform(prepared_pdf, ca.platform_signer(), "平台见证", timestamper=ca.timestamper())
    page = post_pdf(client, append_catalog(signed, b"/OpenAction " + SCRIPT), status=200).get_data(as_text=True)
    assert "验证未通过" in page and "文件中的签名均有效" not in page
    assert "签署后追加的内容重复定义了同一字典键（对象 2 0 R 的 /OpenAction）" in page
    assert "签名后有不允许的修改" in page


def test_a_catalog_written_again_unchanged_is_not_a_duplicate(authority, signed_pdf):
    """The catalog appended again as it was is no such problem (the signatures stay valid; the file is not complete,
    the platform's signature no longer ending it), nor a key's name in a string, a comment or a hex string."""
    v = verify_pdf(append_catalog(signed_pdf, b""), [authority.root], authority.root)
    assert v.ok and not v.problems and not v.complete()
    lookalikes = b"/Note (/OpenAction \\) /OpenAction) % /OpenAction /Note\n/Hex <2F4F70656E416374696F6E>"
    v = verify_pdf(append_catalog(signed_pdf, lookalikes), [authority.root], authority.root)
    assert not v.problems and {s.modifications for s in v.signatures} == {
        "签名后有其他修改"
    }  # new keys: pyHanko's verdict


def test_the_verify_page_refuses_them_with_the_reason(client, signed_pdf):
    """Uploaded to /contracts/verify, such a file gets a 400 and the reason in Chinese (refused before any review:
    test_a_thousand_revisions_are_refused_at_once)."""
    resp = client.post("/contracts/verify", data={"file": (BytesIO(append_revisions(signed_pdf, 1000)), "a.pdf")},
                       content_type="multipart/form-data")  # fmt: skip
    assert resp.status_code == 400 and "该 PDF 的修订次数过多（超过 100 次），不予验证" in resp.get_data(as_text=True)


@outside_event_loop  # a worker that ran Playwright's sync API has a running loop: pyHanko's sync calls would fail
def _encrypted_and_signed(authority, prepared_pdf, user_password):
    """The contract encrypted (owner password "owner"), then signed by the platform as pyHanko signs such files."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import copy_into_new_writer
    from pyhanko.sign import signers

    writer = copy_into_new_writer(PdfFileReader(BytesIO(prepared_pdf)))
    writer.encrypt("owner", user_password)
    out = BytesIO()
    writer.write(out)
    w = IncrementalPdfFileWriter(BytesIO(out.getvalue()))
    w.encrypt(user_password)
    meta = signers.PdfSignatureMetadata(field_name="Signature_Platform")
    return signers.sign_pdf(w, meta, signer=authority.platform_signer()).getvalue()


def test_a_pdf_with_an_open_password_is_named_as_such(authority, prepared_pdf, client):
    """Signed behind an open password it was "已损坏", unsigned "没有数字签名": the user is told to remove the password."""
    locked = _encrypted_and_signed(authority, prepared_pdf, "user")
    with pytest.raises(NotAPdf, match="设置了打开密码"):
        verify_pdf(locked, [authority.root], authority.root)
    resp = client.post(
        "/contracts/verify", data={"file": (BytesIO(locked), "a.pdf")}, content_type="multipart/form-data"
    )
    assert resp.status_code == 400 and "该 PDF 设置了打开密码" in resp.get_data(as_text=True)


def test_a_pdf_with_only_an_owner_password_is_verified(authority, prepared_pdf):
    """Restricting printing or copying (an owner password, none to open) does not keep the signatures from being read."""
    v = verify_pdf(_encrypted_and_signed(authority, prepared_pdf, ""), [authority.root], authority.root)
    assert [s.field for s in v.signatures] == ["Signature_Platform"] and v.ok


def _children_of(pid):
    """The pids of ``pid``'s live children (Linux), zombies included."""
    tasks = Path(f"/proc/{pid}/task")
    return {int(c) for task in tasks.iterdir() for c in (task / "children").read_text().split()}


@pytest.fixture
def watched(monkeypatch):
    """What verify_isolated does with its time, recorded on the machine's own clock rather than bounded by it: the
    seconds it gave the child to answer (``waits``, the receiver's poll), the children it killed while alive
    (``kills``: one that answered may be too, while it exits), and how long each child's start took when it also started the fork server (``starts``, time.monotonic as the code
    reads it)."""
    from multiprocessing import context, forkserver

    from matchmaker.signing import isolation

    seen = {"waits": [], "kills": [], "starts": []}
    pipe, start, kill = isolation._context.Pipe, context.ForkServerProcess.start, context.ForkServerProcess.kill

    def watched_pipe(duplex=True):
        receiver, sender = pipe(duplex=duplex)
        poll = receiver.poll

        def timed_poll(timeout=0.0):
            seen["waits"].append(timeout)
            return poll(timeout)

        receiver.poll = timed_poll
        return receiver, sender

    def timed_start(process):  # returns once the fork server, preloading pyHanko first if new, has forked the child
        was = forkserver._forkserver._forkserver_pid
        before = time.monotonic()
        start(process)
        if forkserver._forkserver._forkserver_pid != was:
            seen["starts"].append(time.monotonic() - before)

    def recorded_kill(process):
        seen["kills"].append(process.pid)
        kill(process)

    monkeypatch.setattr(isolation._context, "Pipe", watched_pipe)
    monkeypatch.setattr(context.ForkServerProcess, "start", timed_start)
    monkeypatch.setattr(context.ForkServerProcess, "kill", recorded_kill)
    return seen


def test_one_huge_object_after_signing_is_stopped_at_the_time_limit(app, client, prepared_pdf, watched):
    """A catalog appended after signing with one array of 800,000 zeros (1.8 MB) kept pyHanko, and the web worker,
    busy 7 to 12 s. Now it is verified in a child process killed at SIGNING_VERIFY_TIMEOUT (here 1 s): the page
    says why, the upload form stays, and the next file is verified as before, no process left behind. The page
    waited for the child's answer no longer than the limit and then killed it, rather than waiting for it to end
    (at its CPU limit, 2 s of CPU: a wall-clock bound on the page failed on a loaded machine)."""
    from multiprocessing import forkserver

    from matchmaker.contracts.signing_keys import authority
    from matchmaker.signing import pades

    ca = authority()
    signed = pades.sign_platform(prepared_pdf, ca.platform_signer(), "平台见证", timestamper=ca.timestamper())
    huge = append_catalog(signed, b"/Foo [" + b" 0" * 800_000 + b"]")
    genuine = "文件中的签名均有效，但签署尚未完成"
    assert genuine in post_pdf(client, signed, status=200).get_data(as_text=True)  # also starts the fork server
    app.config["SIGNING_VERIFY_TIMEOUT"] = 1  # the fork server's start, 0.7 to 3.5 s, counts in it
    watched["waits"].clear()
    watched["kills"].clear()  # one that answered may still be alive, exiting: killed too

    page = post_pdf(client, huge).get_data(as_text=True)
    assert '<div class="alert alert-danger" id="verify-error">该 PDF 结构异常复杂，验证超时，不予验证</div>' in page
    assert 'type="file"' in page and 'id="verdict"' not in page
    assert len(watched["waits"]) == 1 and watched["waits"][0] <= 1  # the time limit, no more
    assert len(watched["kills"]) == 1  # killed at the limit, not waited for

    assert genuine in post_pdf(client, signed, status=200).get_data(as_text=True)
    assert not _children_of(forkserver._forkserver._forkserver_pid)  # the killed child was reaped
    assert not multiprocessing.active_children()


def test_the_fork_servers_start_counts_against_the_time_limit(app, client, prepared_pdf, watched):
    """A web process's first verification also starts the fork server (0.7 to 3.5 s, load 3 to 6): the huge
    file's page took that start plus SIGNING_VERIFY_TIMEOUT. Now the time limit counts the start too: the child is
    given what the start left of it. (Both measured on the code's own clock, so a loaded machine only shifts them.)"""
    from multiprocessing import forkserver

    from matchmaker.contracts.signing_keys import authority
    from matchmaker.signing import pades

    ca = authority()
    signed = pades.sign_platform(prepared_pdf, ca.platform_signer(), "平台见证", timestamper=ca.timestamper())
    huge = append_catalog(signed, b"/Foo [" + b" 0" * 800_000 + b"]")  # 7 to 12 s of CPU to read
    app.config["SIGNING_VERIFY_TIMEOUT"] = 5
    forkserver._forkserver._stop()  # as in a web process that has verified nothing yet
    page = post_pdf(client, huge).get_data(as_text=True)
    assert "该 PDF 结构异常复杂，验证超时，不予验证" in page
    [start] = watched["starts"]
    [wait] = watched["waits"]
    assert wait <= max(0.0, 5 - start), (start, wait)  # without the start counted: 5 - a few microseconds
    assert len(watched["kills"]) == 1


WEB_PROCESS = """
import sys, threading, time
from multiprocessing import forkserver
from pathlib import Path
from matchmaker.signing.isolation import verify_isolated

def report():
    while True:
        pid = forkserver._forkserver._forkserver_pid
        kids = pid and [c for t in Path(f"/proc/{pid}/task").iterdir() for c in (t / "children").read_text().split()]
        if kids:
            print(kids[0], flush=True)
            return
        time.sleep(0.05)

forkserver.ensure_running()  # started: the child has the whole time limit
threading.Thread(target=report, daemon=True).start()
pem = Path(sys.argv[2]).read_bytes()
verify_isolated(Path(sys.argv[1]).read_bytes(), [pem], pem, timeout=60)
"""


def _cpu_seconds(pid):
    """CPU seconds process ``pid`` has used, or None once it has ended (a zombie nobody reaped included)."""
    try:
        state, *fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None if state in ("Z", "X") else (int(fields[10]) + int(fields[11])) / os.sysconf("SC_CLK_TCK")


def test_a_verification_ends_when_its_web_process_dies(authority, signed_pdf, tmp_path):
    """A web process killed while its child reads the huge file (gunicorn killing it, out of memory): the fork
    server went with it, but the child read on 7 to 12 s (8 s of CPU), out of reach of any time limit and of the
    machine's verification slots (its dead web process's slot freed). Now the child goes at once."""
    from ..procs import dies_with_parent, pythonpath

    huge, pem = tmp_path / "huge.pdf", tmp_path / "ca.pem"
    huge.write_bytes(append_catalog(signed_pdf, b"/Foo [" + b" 0" * 800_000 + b"]"))
    pem.write_bytes(authority.root_pem)
    env = {**os.environ, "PYTHONPATH": pythonpath(Path(__file__).resolve().parents[2])}
    args = dies_with_parent([sys.executable, "-c", WEB_PROCESS, huge, pem])
    with subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env=env) as web:
        try:
            child = int(web.stdout.readline())
            time.sleep(0.3)
        finally:
            at_kill = _cpu_seconds(child)
            web.kill()
            web.wait()
    # The child's CPU seconds, not the seconds on a clock, bound what it did once its web process was killed: a
    # loaded machine gives it less CPU a second, never more. Without the SIGIO it read on, 6 s of CPU and more.
    used, give_up = at_kill, time.monotonic() + 60  # only how long to look: the assertion is on CPU seconds
    while (cpu := _cpu_seconds(child)) is not None and cpu - at_kill < 2 and time.monotonic() < give_up:
        used = cpu
        time.sleep(0.05)
    assert cpu is None, f"still running, {used - at_kill:.2f} s of CPU after its web process was killed"
    assert used - at_kill < 1, f"{used - at_kill:.2f} s of CPU after its web process was killed"


def test_a_child_stops_at_its_own_cpu_limit(authority, signed_pdf):
    """Whatever becomes of its parent, a child verifying the huge file is killed after the time limit + 1 s of CPU
    (here 1 + 1 s): nothing comes back, where it answered after 7 to 12 s."""
    from matchmaker.signing import isolation

    huge = append_catalog(signed_pdf, b"/Foo [" + b" 0" * 800_000 + b"]")
    root = isolation._asn1_cert(authority.root).dump()
    receiver, sender = isolation._context.Pipe(duplex=False)
    child = isolation._context.Process(target=isolation._child, args=(sender, huge, [root], root, None, 1))
    child.start()
    sender.close()
    child.join(30)
    try:
        assert child.exitcode == -signal.SIGKILL
        with pytest.raises(EOFError):
            receiver.recv()
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
            child.join()
        child.close()


def test_a_file_needing_too_much_memory_is_stopped(authority, signed_pdf):
    """200,000 empty dictionaries appended in the catalog (1 MB) take pyHanko 200 MB: stopped at the memory limit."""
    data = append_catalog(signed_pdf, b"/Foo [" + b"<<>>" * 200_000 + b"]")
    with pytest.raises(NotAPdf, match="^该 PDF 结构异常复杂，验证所需内存过多，不予验证$"):
        verify_isolated(data, [authority.root], authority.root, timeout=30, memory=64 * 1024 * 1024)
    v = verify_isolated(signed_pdf, [authority.root], authority.root, timeout=30, memory=64 * 1024 * 1024)
    assert v == verify_pdf(signed_pdf, [authority.root], authority.root) and v.complete()
