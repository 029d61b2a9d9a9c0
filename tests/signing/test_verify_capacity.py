"""/contracts/verify under load: at most SIGNING_VERIFY_CONCURRENCY uploads verified at once on a machine, whatever
web process serves them; the others wait a moment, then are told the platform is busy."""

import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from types import SimpleNamespace

import pytest

from matchmaker.config import DefaultConfig
from matchmaker.signing.slots import slot

from ..procs import dies_with_parent, pythonpath

ROOT = Path(__file__).resolve().parents[2]
BUSY = "系统正忙：同时验证的文件过多，请约 8 秒后重新选择文件再试"
GENUINE = "文件中的签名均有效，但签署尚未完成"
LONG_VERIFY_TIMEOUT = 120


@pytest.fixture(autouse=True)
def _verifications_have_time(request):
    """Genuine files verified with 120 s rather than SIGNING_VERIFY_TIMEOUT's 8 (a second of CPU, yet more than 8 s
    of the clock on a loaded 2-core machine: 验证超时 where the test expects 签名均有效); a refusal telling the wait
    gets the product's 8 back (``product_limit``)."""
    if "app" in request.fixturenames:
        request.getfixturevalue("app").config["SIGNING_VERIFY_TIMEOUT"] = LONG_VERIFY_TIMEOUT


@contextmanager
def product_limit(app):
    """The product's own SIGNING_VERIFY_TIMEOUT (8 s, what 系统正忙's 请约 8 秒后 and Retry-After say) meanwhile."""
    app.config["SIGNING_VERIFY_TIMEOUT"] = DefaultConfig.SIGNING_VERIFY_TIMEOUT
    try:
        yield
    finally:
        app.config["SIGNING_VERIFY_TIMEOUT"] = LONG_VERIFY_TIMEOUT


@pytest.fixture
def signed(app, prepared_pdf):
    """A file signed by the app's platform: its verdict is the amber 签署尚未完成. (The text is the session's one
    rendering of the TERMS contract, tests/signing/conftest.py: laying it out costs seconds on a busy machine.)"""
    from matchmaker.contracts.signing_keys import authority
    from matchmaker.signing import pades

    ca = authority()
    return pades.sign_platform(prepared_pdf, ca.platform_signer(), "平台见证", timestamper=ca.timestamper())


@pytest.fixture
def slots(app, tmp_path):
    """One verification at a time, in a folder of this test's own; a busy request waits 0.5 s."""
    app.config.update(SIGNING_VERIFY_SLOTS_DIR=str(tmp_path / "slots"), SIGNING_VERIFY_CONCURRENCY=1,
                      SIGNING_VERIFY_WAIT=0.5)  # fmt: skip
    return tmp_path / "slots"


@pytest.fixture
def naps(monkeypatch):
    """The seconds each pause of the slots' wait asked for (matchmaker.signing.slots sleeps between tries): what an
    upload waited, as the code counts it, where a clock on the request also counted a loaded machine's slowness."""
    from matchmaker.signing import slots as module

    asked = []

    def nap(seconds):
        asked.append(seconds)
        time.sleep(seconds)

    monkeypatch.setattr(module, "time", SimpleNamespace(monotonic=time.monotonic, sleep=nap))
    return asked


def _upload(client, data):
    return client.post("/contracts/verify", data={"file": (BytesIO(data), "a.pdf")}, content_type="multipart/form-data")


HOLDER = """
import sys
from contextlib import ExitStack
from matchmaker.signing.slots import slot

directory, count = sys.argv[1], int(sys.argv[2])
with ExitStack() as stack:
    for _ in range(count):
        stack.enter_context(slot(directory, count, 0))
    print("held", flush=True)
    sys.stdin.read()
"""


@contextmanager
def holding(directory, count):
    """Another process (as another web worker would be) holding ``count`` slots until it is killed (SIGKILL: no
    clean-up of its own), at the latest when the block ends."""
    env = {**os.environ, "PYTHONPATH": pythonpath(ROOT)}
    args = dies_with_parent([sys.executable, "-c", HOLDER, directory, count])
    with subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env) as proc:
        try:
            assert proc.stdout.readline() == "held\n"
            yield proc
        finally:
            proc.kill()
            proc.wait()


def test_every_slot_taken_by_another_process_is_busy_until_it_dies(app, client, slots, signed, naps):
    """Another web process verifying (here holding the only slot) makes an upload wait, then answer 503 with a
    Retry-After, the reason in Chinese and the upload form; once that process is killed mid-verification, the kernel
    has released its slot and the same file is verified."""
    with holding(slots, 1) as holder, product_limit(app):
        resp = _upload(client, signed)
        assert naps and sum(naps) <= 0.5 + 1e-9  # it waited SIGNING_VERIFY_WAIT for a slot, no more
        page = resp.get_data(as_text=True)
        assert resp.status_code == 503 and resp.headers["Retry-After"] == "8"
        assert f'<div class="alert alert-danger" id="verify-error">{BUSY}</div>' in page
        assert 'type="file"' in page and 'id="verdict"' not in page
        holder.kill()
        holder.wait()
    assert holder.returncode == -signal.SIGKILL
    resp = _upload(client, signed)
    assert resp.status_code == 200 and GENUINE in resp.get_data(as_text=True)


def test_two_slots_are_two_verifications_at_once(app, client, slots, signed):
    """With SIGNING_VERIFY_CONCURRENCY 2, one slot taken elsewhere leaves the other: the file is verified; both
    taken, it is not."""
    app.config["SIGNING_VERIFY_CONCURRENCY"] = 2
    with holding(slots, 1):
        assert GENUINE in _upload(client, signed).get_data(as_text=True)
    with holding(slots, 2):
        assert _upload(client, signed).status_code == 503


def test_a_slot_freed_during_the_wait_is_taken(app, client, slots, signed):
    """A verification finishing elsewhere while an upload waits: the upload is verified, not refused."""
    app.config["SIGNING_VERIFY_WAIT"] = 5
    taken, release = threading.Event(), threading.Event()

    def hold():
        with slot(slots, 1, 0):
            taken.set()
            release.wait(10)

    other = threading.Thread(target=hold)
    other.start()
    taken.wait(5)
    threading.Timer(0.5, release.set).start()
    try:
        resp = _upload(client, signed)
    finally:
        release.set()
        other.join()
    assert resp.status_code == 200 and GENUINE in resp.get_data(as_text=True)


def test_an_upload_that_cannot_even_wait_is_busy_at_once(app, client, slots, signed, naps):
    """Every slot taken and SIGNING_VERIFY_WAITERS uploads waiting already (other web processes): the next upload is
    answered 503 at once rather than holding its web worker for the wait; once a waiting one gives up its place, an
    upload waits again, and is verified when a slot frees."""
    app.config.update(SIGNING_VERIFY_WAIT=5, SIGNING_VERIFY_WAITERS=1)
    with holding(slots, 1) as verifying:
        with holding(slots / "waiting", 1), product_limit(app):
            resp = _upload(client, signed)
            assert naps == []  # not the 5 s wait: no pause at all
            assert resp.status_code == 503 and resp.headers["Retry-After"] == "8"
            page = resp.get_data(as_text=True)
            assert f'<div class="alert alert-danger" id="verify-error">{BUSY}</div>' in page and 'type="file"' in page
        threading.Timer(0.5, verifying.kill).start()  # the verification elsewhere ends while this upload waits
        resp = _upload(client, signed)
        assert naps  # it waited for the slot
    assert resp.status_code == 200 and GENUINE in resp.get_data(as_text=True)


def test_a_waiter_gives_its_place_back_once_it_verifies(tmp_path):
    """An upload that waited and now verifies no longer counts as waiting: another may wait behind it."""
    from matchmaker.signing.slots import Busy

    first_in, done = threading.Event(), threading.Event()

    def first():
        with slot(tmp_path, 1, 0):
            first_in.set()
            time.sleep(0.2)

    def second():
        with slot(tmp_path, 1, 5, waiters=1):  # waits for the first, then verifies a while
            done.wait(10)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    first_in.wait(5)
    threads[1].start()
    time.sleep(0.5)  # the second holds the slot now
    start = time.perf_counter()
    try:
        with pytest.raises(Busy):
            with slot(tmp_path, 1, 0.3, waiters=1):
                pass
        waited = time.perf_counter() - start
    finally:
        done.set()
        for t in threads:
            t.join()
    assert waited >= 0.25  # it could queue (it waited), not refused at once


def test_an_upload_whose_verifier_crashes_is_not_called_unreadable(app, client, runner, slots, signed, monkeypatch,
                                                                    tmp_path):  # fmt: skip
    """The verifying child dies by a signal (a crash in C code, the out-of-memory killer): 500 and 验证进程异常退出 with
    the upload form, not 400 无法读取该 PDF 文件 (nothing says the file is bad); the command says so too; the slot
    is released."""
    from matchmaker.signing import isolation
    from matchmaker.signing.verify import UNREADABLE

    from .crash import die

    path = tmp_path / "sent-by-a-signer.pdf"
    path.write_bytes(signed)
    with monkeypatch.context() as m:
        m.setattr(isolation, "_child", die)
        resp = _upload(client, signed)
        out = runner.invoke(args=["signing", "verify", str(path)])
    page = resp.get_data(as_text=True)
    assert resp.status_code == 500 and "Retry-After" not in resp.headers
    message = "验证进程异常退出，未能完成验证，请稍后重新选择文件再试"
    assert f'<div class="alert alert-danger" id="verify-error">{message}</div>' in page
    assert 'type="file"' in page and 'id="verdict"' not in page and UNREADABLE not in page
    assert out.exit_code == 1 and "Error: 验证进程异常退出，未能完成验证" in out.output
    assert _upload(client, signed).status_code == 200


def test_an_upload_whose_verifier_fails_is_told_so(app, client, runner, slots, signed, monkeypatch, tmp_path, caplog):
    """The verifier raises what it never raises for a file (a bug): 500 and 验证程序出错 with the upload form (it was
    the generic error page), the command says so (exit status 1, no traceback); one error logged with the child's
    traceback; the slot is released."""
    import logging

    from matchmaker.signing import isolation

    from .crash import fail

    path = tmp_path / "sent-by-a-signer.pdf"
    path.write_bytes(signed)
    with monkeypatch.context() as m, caplog.at_level(logging.INFO, logger="matchmaker.contracts.signing_services"):
        m.setattr(isolation, "_child", fail)
        resp = _upload(client, signed)
        records = [r for r in caplog.records if r.name == "matchmaker.contracts.signing_services"]
        out = runner.invoke(args=["signing", "verify", str(path)])
    page = resp.get_data(as_text=True)
    assert resp.status_code == 500 and "Retry-After" not in resp.headers
    message = "验证程序出错，未能完成验证，请联系平台管理员"
    assert f'<div class="alert alert-danger" id="verify-error">{message}</div>' in page
    assert 'type="file"' in page and 'id="verdict"' not in page and "Traceback" not in page
    (record,) = records
    assert record.levelno == logging.ERROR and "a bug in the verifier (test)" in record.getMessage()
    assert out.exit_code == 1 and isinstance(out.exception, SystemExit) and f"Error: {message}" in out.output
    assert _upload(client, signed).status_code == 200


def test_the_verify_command_is_told_when_the_machine_is_busy(app, runner, slots, signed, tmp_path):
    """`flask signing verify FILE` checks a file as an upload is, holding a slot: every slot taken by web processes,
    the operator is told 系统正忙 (exit status 1), not shown a traceback; with one free, the file is verified."""
    path = tmp_path / "sent-by-a-signer.pdf"
    path.write_bytes(signed)
    with holding(slots, 1), product_limit(app):
        out = runner.invoke(args=["signing", "verify", str(path)])
    assert out.exit_code == 1 and isinstance(out.exception, SystemExit)
    assert f"Error: {BUSY}" in out.output
    out = runner.invoke(args=["signing", "verify", str(path)])
    assert "签名有效" in out.output and "系统正忙" not in out.output


def test_two_threads_of_one_process_do_not_share_a_slot(tmp_path):
    """A slot held by one thread is taken for the other threads of the same process too (a threaded server)."""
    from matchmaker.signing.slots import Busy

    with slot(tmp_path, 1, 0):
        outcome = []

        def other():
            try:
                with slot(tmp_path, 1, 0.2):
                    outcome.append("got it")
            except Busy:
                outcome.append("busy")

        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
    assert outcome == ["busy"]
    with slot(tmp_path, 1, 0):  # released on leaving
        pass


def _refused(resp):
    """The 429 answer: the verify page with its form and the reason (not the generic error page)."""
    page = resp.get_data(as_text=True)
    assert resp.status_code == 429 and 'type="file"' in page and "合同签名验证" in page
    error = page.split('<div class="alert alert-danger" id="verify-error">', 1)[1].split("</div>", 1)[0]
    return int(resp.headers["Retry-After"]), error


def test_an_address_may_check_six_files_a_minute_and_thirty_an_hour(app, client, monkeypatch):
    """One address: a 7th upload within a minute is refused (429), as is a 31st within an hour however spread;
    another address is not held back. (Twenty a minute let one address keep both slots busy with 8 s files.) The
    refusal is the verify page again, its form and when to try again (Retry-After the same)."""
    import limits.storage.memory

    import matchmaker.contracts.signing_routes

    now = [time.time()]
    clock = SimpleNamespace(time=lambda: now[0])
    monkeypatch.setattr(limits.storage.memory, "time", clock)  # the limits' clock
    monkeypatch.setattr(matchmaker.contracts.signing_routes, "time", clock)
    junk = b"MZ\x90\x00 not a pdf"
    for _ in range(6):
        assert _upload(client, junk).status_code == 400
    now[0] += 20
    wait, error = _refused(_upload(client, junk))
    assert 39 <= wait <= 41  # the first of the six leaves the minute's window in 40 s
    assert error == f"操作过于频繁：此网络地址提交验证的文件过多，请约 {wait} 秒后重新选择文件再试"
    other = {"REMOTE_ADDR": "10.0.0.2"}
    assert (
        client.post("/contracts/verify", data={"file": (BytesIO(junk), "a.pdf")}, environ_base=other).status_code == 400
    )
    for _minute in range(4):
        now[0] += 61
        for _ in range(6):
            assert _upload(client, junk).status_code == 400
    now[0] += 61  # 30 in 5 and a half minutes
    wait, error = _refused(_upload(client, junk))
    assert 3600 - 325 - 1 <= wait <= 3600 - 325 + 1  # until the hour's first six leave its window
    assert error == "操作过于频繁：此网络地址提交验证的文件过多，请约 55 分钟后重新选择文件再试"
    now[0] += 3600
    assert _upload(client, junk).status_code == 400
