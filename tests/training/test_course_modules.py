"""A course's module unticked while sessions of the course are still of that module: refused, naming them, as a
session is refused a module the course does not have. The edit was saved and the sessions kept the module."""

from datetime import datetime

from matchmaker.extensions import db
from matchmaker.models import TrainingCourse, TrainingSession
from matchmaker.training import services

from .test_training import COURSE, make_course


def _edit(client, course, **changes):
    """Post the course's edit form as its edit page holds it, with ``changes``."""
    db.session.expire_all()
    stored = db.session.get(TrainingCourse, course.id)
    return client.post(
        f"/training/{course.id}/edit", data=dict(COURSE, version=services.course_version(stored), **changes)
    )


def _stored(course_id):
    db.session.expire_all()
    course = db.session.get(TrainingCourse, course_id)
    return [m.kind for m in course.modules], {s.title: s.module_kind for s in course.sessions}


def test_unticking_a_module_its_sessions_still_belong_to_is_refused_naming_them(client, auth):
    """政策解读 unticked while 第1讲 and 第2讲 are of it: refused beside 课程模块 with the sessions named, what was
    typed kept, nothing saved; the course kept its four modules and the sessions their module."""
    course = make_course()  # 第1讲, 第2讲: policy
    auth.login("admin")
    resp = _edit(client, course, title="改过名的培训班", modules=["theory", "practice", "cases"])
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "模块「政策解读」下还有课次「第1讲」（2020-09-01）、「第2讲」（2020-09-02），不能取消该模块" in page
    assert "改过名的培训班" in page
    assert _stored(course.id) == (["policy", "theory", "practice", "cases"], {"第1讲": "policy", "第2讲": "policy"})


def test_a_module_without_sessions_is_unticked_and_the_sessions_stay(client, auth):
    """案例分享, which no session is of, is unticked: saved; the 政策解读 sessions are as they were."""
    course = make_course()
    auth.login("admin")
    assert _edit(client, course, modules=["policy", "theory", "practice"]).status_code == 302
    assert _stored(course.id) == (["policy", "theory", "practice"], {"第1讲": "policy", "第2讲": "policy"})


def test_two_modules_unticked_name_each_ones_sessions_the_first_five_and_a_count(client, auth):
    """Seven sessions of 理论分析 and one of 政策解读, both unticked: each module named with its sessions, the first
    five of the seven and 等 7 个课次; an untagged session does not stop anything."""
    course = make_course(sessions=1)  # 第1讲: policy
    for i in range(7):
        services.add_session(course, {"title": f"理论{i + 1}", "module_kind": "theory",
                                      "starts_at": datetime(2020, 9, 10 + i, 9)})  # fmt: skip
    services.add_session(course, {"title": "开班仪式", "module_kind": "", "starts_at": datetime(2020, 9, 1, 8)})
    auth.login("admin")
    page = _edit(client, course, modules=["practice", "cases"]).get_data(as_text=True)
    assert (
        "模块「政策解读」下还有课次「第1讲」（2020-09-01）；模块「理论分析」下还有课次「理论1」（2020-09-10）" in page
    )
    assert "「理论5」（2020-09-14）等 7 个课次，不能取消这些模块" in page and "理论6" not in page
    assert _stored(course.id)[0] == ["policy", "theory", "practice", "cases"]
    db.session.execute(db.delete(TrainingSession).where(TrainingSession.module_kind.is_not(None)))
    db.session.commit()
    assert _edit(client, course, modules=["practice", "cases"]).status_code == 302
    assert _stored(course.id) == (["practice", "cases"], {"开班仪式": None})


def test_the_modules_refusal_is_tied_to_the_boxes(client, auth):
    """The refusal beside 课程模块 is each box's description and marks them invalid, as the field macro ties an error
    to its control: the page's script focuses the first box and a screen reader reads why with it."""
    course = make_course()
    auth.login("admin")
    page = _edit(client, course, modules=["theory", "practice", "cases"]).get_data(as_text=True)
    assert page.count('aria-describedby="modules-error" aria-invalid="true"') == 4
    assert '<div class="invalid-feedback d-block" id="modules-error"><div>模块「政策解读」下还有课次' in page
    assert "aria-invalid" not in client.get(f"/training/{course.id}/edit").get_data(as_text=True)
