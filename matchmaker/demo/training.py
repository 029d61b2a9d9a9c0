"""Demo broker training of 2020: the yearly course with its four modules, 274 people from every kind
of organisation (the letter's “累计 270 余人参加”), assessment and certificates."""

from datetime import date, datetime

from ..extensions import db
from ..models import Certificate, TrainingCourse, TrainingEnrolment, TrainingModule, TrainingSession
from ..models.enums import TRAINEE_ORG_KINDS, TrainingModuleKind
from ..training.services import last_valid_day

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞", "平"]
ORG_NAMES = {"university": "南方理工大学", "institute": "市先进制造研究院", "rnd": "市新型研发机构联盟",
             "agency": "市技术转移服务中心", "enterprise": "本市科技型企业", "government": "各镇街科技部门"}  # fmt: skip
PEOPLE = 274


def seed(ctx):
    """The 2020 course (four modules, four sessions), 274 trainees; those who passed certified."""
    admin = ctx["users"]["admin"][0]
    course = TrainingCourse(title="2020年技术经纪人培训班", year=2020, status="closed", starts_on=date(2020, 9, 7),
                            ends_on=date(2020, 9, 25), place="市科技会堂（线上同步直播）", certificate_years=3,
                            description="课程包括政策解读、理论分析、技术转移实操、案例分享四个模块。",
                            created_by_id=admin.id)  # fmt: skip
    course.modules = [TrainingModule(kind=k.value, position=i, hours=8) for i, k in enumerate(TrainingModuleKind)]
    course.sessions = [TrainingSession(module_kind=k.value, title=f"{k.label}专题", lecturer="特邀专家",
                                       starts_at=datetime(2020, 9, 7 + 5 * i, 9)) for i, k in enumerate(TrainingModuleKind)]  # fmt: skip
    db.session.add(course)
    db.session.flush()
    for n in range(PEOPLE):
        kind = TRAINEE_ORG_KINDS[n % len(TRAINEE_ORG_KINDS)]
        passed = n % 7 != 6
        e = TrainingEnrolment(course_id=course.id, name=SURNAMES[n % 20] + GIVEN[n % 15] + ("" if n < 200 else GIVEN[n % 7]),
                              org_name=ORG_NAMES[kind], org_kind=kind, phone=f"139{n:08d}", enrolled_by_id=admin.id,
                              score=85 if passed else 52, passed=passed, assessed_by_id=admin.id)  # fmt: skip
        e.sessions = course.sessions[: 4 if passed else 2]
        db.session.add(e)
        if passed:
            db.session.flush()
            issued = date(2020, 12, 10)
            db.session.add(Certificate(number=f"JSJJR-2020-{n + 1:04d}", enrolment_id=e.id, holder_name=e.name,
                                       org_name=e.org_name, issued_on=issued, valid_until=last_valid_day(issued, 3),
                                       issued_by_id=admin.id))  # fmt: skip
    db.session.commit()
    ctx["echo"](f"技术经纪人培训：2020 年培训班 {PEOPLE} 人参加，证书 JSJJR-2020-0001 等可在 /training/verify 查验")
