"""Demo live classes of 2020: six public-interest live classes and one online matchmaking session,
with registrations, attendance and viewers from the live platform (the last class's imports of the platform's
export listed on its attendance page); one upcoming class."""

from datetime import datetime, timedelta

from ..classes import services
from ..extensions import db
from ..models import AttendanceImport, LiveRegistration, LiveSession
from ..models.enums import AttendanceSource

CLASSES_2020 = [
    ("class", "疫情期间企业科技政策解读", datetime(2020, 3, 12, 15), "市科技局政策法规科", 86),
    ("class", "高新技术企业认定实务", datetime(2020, 4, 16, 15), "王芳 注册会计师", 124),
    ("class", "专利布局与知识产权质押融资", datetime(2020, 5, 21, 15), "李明 专利代理师", 97),
    ("class", "技术合同认定登记与税收优惠", datetime(2020, 6, 18, 15), "市技术市场管理办公室", 75),
    ("matchmaking", "智能家电产业技术难题线上对接会", datetime(2020, 7, 9, 14, 30), "市技术转移服务中心", 58),
    ("class", "科技成果转化案例分享", datetime(2020, 9, 17, 15), "陈静 研究员", 66),
    ("class", "研发费用加计扣除政策解读", datetime(2020, 11, 19, 15), "市税务局", 112),
]
IMPORTED = CLASSES_2020[-1][1]  # the class whose attendance was imported from the live platform's export, in 3 files


def seed(ctx):
    """Seven 2020 sessions (six classes, one online matchmaking), registrations, attendance; one upcoming."""
    broker = ctx["users"]["broker"][0]
    people = ctx["users"]["enterprise"] + ctx["users"]["researcher"]
    for i, (kind, title, start, speaker, guests) in enumerate(CLASSES_2020):
        s = LiveSession(kind=kind, title=title, starts_at=start, ends_at=start + timedelta(hours=2), speaker=speaker,
                        live_link=f"https://live.example.cn/room/{2020 + i}",
                        replay_link=f"https://live.example.cn/replay/{2020 + i}",
                        materials=f"课件 https://files.example.cn/2020/{i + 1}.pdf", created_by_id=broker.id,
                        guest_attendees=guests, description="线上公益直播课堂，面向企业和科研人员免费开放。")  # fmt: skip
        db.session.add(s)
        db.session.flush()
        for k, user in enumerate(people[i % 3 :: 2]):
            came = k % 4 != 3  # one in four registered and stayed away: no watch time, not from the export
            db.session.add(LiveRegistration(session_id=s.id, user_id=user.id, organization_id=user.organization_id,
                                            registered_at=start - timedelta(days=3), attended=came,
                                            attendance_source=AttendanceSource.IMPORT.value if came else None,
                                            minutes=40 + k % 50 if came else None))  # fmt: skip
        if title == IMPORTED:
            _imports(s, broker, sum(k % 4 != 3 for k in range(len(people[i % 3 :: 2]))))
    db.session.commit()
    start = (services.beijing_now() + timedelta(days=5)).replace(hour=15, minute=0, second=0, microsecond=0)
    upcoming = services.save_session(LiveSession(), {
        "kind": "class", "title": "技术经纪人实务：从需求挖掘到合同登记", "starts_at": start,
        "ends_at": start + timedelta(hours=2), "speaker": f"{broker.name} 技术经纪人",
        "live_link": "https://live.example.cn/room/next", "capacity": 200, "published": True, "description": "报名后可在本页进入直播间；开播前一天提醒。"}, broker)  # fmt: skip
    for user in people[:4]:
        services.register(upcoming, user)
    ctx["echo"]("直播课堂：2020 年线上公益直播课堂 6 场、线上技术难题对接活动 1 场；近期课堂 1 场（已有 4 人报名）")


def _imports(s, broker, matched):
    """The export of the session's viewers, imported after it: a first file refused (no e-mail or mobile column),
    then the export in two parts (the platform splits it), the second with a watch time in full-width digits."""
    end = s.starts_at - timedelta(hours=8) + timedelta(hours=2)  # the session's end (Beijing time) in UTC
    first = matched // 2
    parts = [
        dict(rows=first + 70 + 6 + 4, matched=first, guests=70, guest_total=70, short=6, merged=4, typed=[], n_typed=0),
        dict(rows=matched - first + 42 + 3 + 2, matched=matched - first, guests=42, guest_total=112, short=3, merged=2,
             typed=[[37, "４５", 45]], n_typed=1),
    ]  # fmt: skip
    refused = "观看记录未导入，出席情况没有任何更改：文件中没有“邮箱”或“手机号”列，无法与报名用户对应（第一行应为表头）"
    uploads = [("直播平台导出-观众昵称.xlsx", "rejected", None, refused)]
    uploads += [(f"直播平台导出-第{n}部分.xlsx", "done", r, services.summary(r, 10)) for n, r in enumerate(parts, 1)]
    for n, (filename, status, result, message) in enumerate(uploads):
        at = end + timedelta(minutes=30 + 6 * n)
        db.session.add(AttendanceImport(session_id=s.id, filename=filename, file_format="xlsx", content=b"",
                                        min_minutes=10, status=status, processed_rows=(result or {}).get("rows", 0),
                                        result=result, message=message, created_by_id=broker.id, created_at=at,
                                        finished_at=at + timedelta(seconds=20)))  # fmt: skip
