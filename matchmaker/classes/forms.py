"""Forms of the live-classes area."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import ValidationError

from ..extensions import db
from ..models import Event
from ..models.enums import LiveKind
from ..utils import once
from ..utils import validators as val
from ..utils.inputs import CodeSelect, DateTimeInput, IntInput, filled


def _link(form, field):
    """An http(s) address (live rooms, replays)."""
    if field.data and not field.data.strip().lower().startswith(("http://", "https://")):
        raise ValidationError("链接须以 http:// 或 https:// 开头")


def _materials(form, field):
    for n, line in enumerate((field.data or "").splitlines(), start=1):
        parts = line.strip().rsplit(None, 1)
        if parts and not parts[-1].lower().startswith(("http://", "https://")):
            raise ValidationError(f"资料第 {n} 行应为“资料名称 链接”，链接以 http:// 或 https:// 开头")


def _int_or_none(value):
    return int(value) if str(value).isdigit() else None


class SessionForm(FlaskForm):
    """Create or edit a live class or online matchmaking session."""

    submission_key = once.key_field()
    version = HiddenField()  # what the edit page was loaded from (services.session_version)

    kind = CodeSelect("类型", choices=LiveKind.choices(), default=LiveKind.CLASS.value, message="请选择类型")
    title = StringField("主题", [val.required("请填写主题"), val.length(2, 100, "主题")])
    event_id = CodeSelect("所属对接活动", coerce=_int_or_none, message="请选择有效的对接活动")
    starts_at = DateTimeInput("开始时间（北京时间）", [filled("请填写开始时间"), val.within_years("开始时间")])
    ends_at = DateTimeInput("结束时间", [val.optional(), val.within_years("结束时间")])
    speaker = StringField("主讲人", [val.required("请填写主讲人"), val.length(max=100, label="主讲人")])
    speaker_intro = StringField("主讲人简介", [val.optional(), val.length(max=300, label="主讲人简介")])
    live_link = StringField("直播链接", [val.optional(), val.length(max=300, label="直播链接"), _link],
                            description="仅报名用户可见")  # fmt: skip
    capacity = IntInput("名额（人）", [val.optional()], low=1, high=100000, description="不填为不限")
    replay_link = StringField("回放链接", [val.optional(), val.length(max=300, label="回放链接"), _link])
    materials = TextAreaField("课程资料", [val.optional(), val.length(max=3000, label="课程资料"), _materials],
                              description="每行一项：资料名称 链接")  # fmt: skip
    description = TextAreaField("简介", [val.optional(), val.length(max=5000, label="简介")])
    published = BooleanField("发布（公开显示并开放报名）", default=True)

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        rows = db.session.execute(
            db.select(Event.id, Event.title).order_by(Event.starts_at.desc(), Event.id.desc()).limit(200)
        ).all()
        # The edited session's own event, pushed off the newest 200: without it the session could not be saved.
        own = getattr(kw.get("obj"), "event", None)
        if own is not None and own.id not in {i for i, _ in rows}:
            rows.append((own.id, own.title))
        self.event_id.choices = [("", "（不属于对接活动）")] + [(i, t) for i, t in rows]

    def validate_ends_at(self, field):
        if field.data and self.starts_at.data and field.data <= self.starts_at.data:
            raise ValidationError("结束时间须晚于开始时间")


class ImportForm(FlaskForm):
    """The live platform's attendance export."""

    file = FileField("观看记录文件（.xlsx 或 .csv）")
    min_minutes = IntInput("最少观看时长（分钟）", [filled("请填写最少观看时长")], low=0, high=1440, default=1)
    replace_guests = BooleanField(
        "更正后的文件：替换此前导入的未报名观众，文件中观众的观看时长以本文件为准，"
        "此前导入记为出席而本文件未计入的报名用户改回未出席"
    )

    def validate_file(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError("请选择要上传的观看记录文件")
