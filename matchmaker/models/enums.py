"""Status and choice enums: stored as short strings, shown with Chinese labels."""

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A str enum whose members carry a Chinese label: ("value", "标签")."""

    def __new__(cls, value, label=None):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label or value
        return obj

    @classmethod
    def choices(cls):
        """(value, label) pairs for a SelectField."""
        return [(m.value, m.label) for m in cls]

    @classmethod
    def label_of(cls, value):
        """The label of a stored value, or the value itself if unknown."""
        try:
            return cls(value).label
        except ValueError:
            return value or ""


class TemplateMembers:
    """An enum's members by name, for templates (``ImportStatus.DONE``): a name not among them raises. Jinja makes a
    missing attribute a silent Undefined, equal to no status, so a misspelt state would be hidden, not reported."""

    def __init__(self, enum):
        self._enum = enum

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._enum[name]
        except KeyError:  # not AttributeError, which Jinja turns into an Undefined
            raise LookupError(f"{self._enum.__name__} has no member {name}") from None


class Role(LabelledEnum):
    ENTERPRISE = "enterprise", "企业用户"
    RESEARCHER = "researcher", "科研人员"
    BROKER = "broker", "技术经纪人"
    ADMIN = "admin", "管理员"


class OrgKind(LabelledEnum):
    ENTERPRISE = "enterprise", "企业"
    UNIVERSITY = "university", "高校"
    INSTITUTE = "institute", "科研院所"
    AGENCY = "agency", "服务机构"
    GOVERNMENT = "government", "政府部门"
    RND = "rnd", "新型研发机构"
    BANK = "bank", "银行"
    INSURER = "insurer", "保险机构"
    APPRAISER = "appraiser", "评估机构"


# Kinds of organisation people trained as technology brokers come from (the report's breakdown).
TRAINEE_ORG_KINDS = ("university", "institute", "rnd", "agency", "enterprise", "government")


class TrainingModuleKind(LabelledEnum):
    """The four modules of the yearly broker training course."""

    POLICY = "policy", "政策解读"
    THEORY = "theory", "理论分析"
    PRACTICE = "practice", "技术转移实操"
    CASES = "cases", "案例分享"


class CourseStatus(LabelledEnum):
    """A training course: draft (admins only) → open (enrolment) → closed (no more enrolment)."""

    DRAFT = "draft", "筹备中"
    OPEN = "open", "报名中"
    CLOSED = "closed", "已结束报名"


class UrgentReason(LabelledEnum):
    """Why an enterprise asks for the fast channel (技术需求快速通道)."""

    EPIDEMIC = "epidemic", "疫情防控"
    STOPPED = "stopped", "停工停产"
    ORDER = "order", "订单交期紧迫"
    SAFETY = "safety", "安全生产隐患"
    OTHER = "other", "其他"


class UrgentStatus(LabelledEnum):
    """An urgent request: pending (the clock runs) → approved (published, matched, announced) / refused."""

    PENDING = "pending", "待审核"
    APPROVED = "approved", "已通过"
    REFUSED = "refused", "已退回"


class VisitKind(LabelledEnum):
    """A service visit: brokers go to an enterprise, the enterprise comes to us, or experts go along."""

    VISIT = "visit", "走访企业"
    RECEPTION = "reception", "企业来访"
    EXPERT = "expert", "专家进企业"


class LiveKind(LabelledEnum):
    """An online session: a public-interest live class, or an online matchmaking session."""

    CLASS = "class", "线上公益直播课堂"
    MATCHMAKING = "matchmaking", "线上技术难题对接活动"


class FinancingStatus(LabelledEnum):
    """An IP-pledge financing case (知识产权质押融资, 政府 + 银行 + 保险 + 评估公司)."""

    APPLIED = "applied", "已申请"
    APPRAISED = "appraised", "已评估"
    BANK_APPROVED = "bank_approved", "银行已审批"
    INSURED = "insured", "已投保"
    LOAN_GRANTED = "loan_granted", "已放款"
    SUBSIDISED = "subsidised", "已补偿/贴息"
    REFUSED = "refused", "未通过"
    WITHDRAWN = "withdrawn", "已撤回"


class SubsidyKind(LabelledEnum):
    """The government's part: interest subsidy or risk compensation."""

    INTEREST = "interest", "贴息"
    COMPENSATION = "compensation", "风险补偿"


class ListingStatus(LabelledEnum):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"
    DOCKING = "docking", "对接中"
    SOLVED = "solved", "已解决"
    CLOSED = "closed", "已关闭"
    EXPIRED = "expired", "已过期"


# Listings in these states are public and take part in matching.
ACTIVE_STATUSES = (ListingStatus.PUBLISHED.value, ListingStatus.DOCKING.value)


class Confidentiality(LabelledEnum):
    PUBLIC = "public", "完全公开"
    SUMMARY = "summary", "仅公开摘要"


class CoopMode(LabelledEnum):
    DEVELOPMENT = "development", "技术开发"
    TRANSFER = "transfer", "技术转让"
    LICENSE = "license", "技术许可"
    CONSULTING = "consulting", "技术咨询"
    SERVICE = "service", "技术服务"
    JOINT = "joint", "合作研发"


class Maturity(LabelledEnum):
    LAB = "lab", "实验室"
    SMALL_TRIAL = "small_trial", "小试"
    PILOT = "pilot", "中试"
    SMALL_BATCH = "small_batch", "小批量"
    INDUSTRIAL = "industrial", "产业化"


class TransferMode(LabelledEnum):
    TRANSFER = "transfer", "转让"
    LICENSE_EXCLUSIVE = "license_exclusive", "独占许可"
    LICENSE = "license", "普通许可"
    EQUITY = "equity", "作价入股"
    JOINT_DEV = "joint_dev", "合作开发"
    SERVICE = "service", "技术服务"


class IPType(LabelledEnum):
    INVENTION = "invention", "发明专利"
    UTILITY = "utility", "实用新型专利"
    DESIGN = "design", "外观设计专利"
    SOFTWARE = "software", "软件著作权"
    KNOWHOW = "knowhow", "技术秘密"
    OTHER = "other", "其他"
    NONE = "none", "无"


class Source(LabelledEnum):
    SELF = "self", "自主发布"
    VISIT = "visit", "走访收集"
    EVENT = "event", "对接活动"
    IMPORT = "import", "批量导入"
    URGENT = "urgent", "快速通道"


class SuggestionStatus(LabelledEnum):
    SUGGESTED = "suggested", "待审核"
    ACCEPTED = "accepted", "已采纳"
    INTRODUCED = "introduced", "已引荐"
    NEGOTIATING = "negotiating", "洽谈中"
    SIGNED = "signed", "已签约"
    FAILED = "failed", "未成交"
    REJECTED = "rejected", "已驳回"


class RejectReason(LabelledEnum):
    OFF_TOPIC = "off_topic", "方向不符"
    TOO_EARLY = "too_early", "成果成熟度不够"
    TOO_EXPENSIVE = "too_expensive", "价格过高"
    ALREADY_SOLVED = "already_solved", "需求已解决"
    DUPLICATE = "duplicate", "重复"
    OTHER = "other", "其他"


class FollowUpKind(LabelledEnum):
    CALL = "call", "电话沟通"
    VISIT = "visit", "实地走访"
    MEETING = "meeting", "会议洽谈"
    EVENT = "event", "对接活动"


class ContractType(LabelledEnum):
    DEVELOPMENT = "development", "技术开发"
    TRANSFER = "transfer", "技术转让"
    LICENSE = "license", "技术许可"
    CONSULTING = "consulting", "技术咨询"
    SERVICE = "service", "技术服务"


class RegistrationStatus(LabelledEnum):
    UNSUBMITTED = "unsubmitted", "未提交"
    SUBMITTED = "submitted", "已提交"
    REGISTERED = "registered", "已登记"
    REFUSED = "refused", "不予登记"


class Channel(LabelledEnum):
    ONLINE = "online", "线上"
    OFFLINE = "offline", "线下"
    EVENT = "event", "对接活动"


# Groups of suggestion statuses ------------------------------------------------------------

# After an introduction: the two sides see each other's contact details.
INTRODUCED_STATUSES = ("introduced", "negotiating", "signed", "failed")
# What a listing's owner sees: a broker has vouched for the pair (never suggested or rejected).
OWNER_VISIBLE_STATUSES = ("accepted",) + INTRODUCED_STATUSES
# Still being worked on (these can go stale).
OPEN_STATUSES = ("suggested", "accepted", "introduced", "negotiating")
# Taken up by a broker and still being worked on ("进行中" in brokers' statistics: not 待审核).
IN_PROGRESS_STATUSES = ("accepted", "introduced", "negotiating")
# A side may answer the pair (interested / declined).
RESPONDABLE_STATUSES = IN_PROGRESS_STATUSES
# Past the review queue, as the brokers' pipeline lists them (rejected last: shown on request).
PIPELINE_STATUSES = ("accepted", "introduced", "negotiating", "signed", "failed", "rejected")
# Reached acceptance (the report funnel), and reached an introduction.
ACCEPTED_ON_STATUSES = ("accepted", "introduced", "negotiating", "signed")
INTRODUCED_ON_STATUSES = ACCEPTED_ON_STATUSES[1:]
# Listing states a near-duplicate check compares against (drafts and expired ones included).
DUPLICATE_CHECK_STATUSES = ("draft", "published", "docking", "expired")


class ResponseKind(LabelledEnum):
    """A side's answer to an introduction."""

    INTERESTED = "interested", "有意向"
    DECLINED = "declined", "暂不考虑"


class DeclineReason(LabelledEnum):
    """Why a side declined an introduction (coded, for the matcher's feedback)."""

    NOT_RELEVANT = "not_relevant", "方向不符"
    TOO_EXPENSIVE = "too_expensive", "价格或预算不合适"
    NOT_MATURE = "not_mature", "技术成熟度不够"
    ALREADY_SOLVED = "already_solved", "已有解决方案"
    TIMING = "timing", "时机不合适"
    OTHER = "other", "其他"


class ImportStatus(LabelledEnum):
    """A bulk-import batch: validating (a job reads and checks the file) -> validated -> importing -> done; or
    rejected (the file cannot be used), error (nothing written) or expired (validated, left unconfirmed for
    IMPORT_KEEP_DAYS). The four end states keep the file's name and SHA-256, not its content."""

    VALIDATING = "validating", "校验中"
    VALIDATED = "validated", "待确认"
    REJECTED = "rejected", "未通过校验"
    IMPORTING = "importing", "导入中"
    DONE = "done", "已导入"
    ERROR = "error", "失败"  # while checking the file or importing it
    EXPIRED = "expired", "已过期"


class AttendanceImportStatus(LabelledEnum):
    """A live session's attendance import (a viewer export a job reads): importing -> done, or rejected (the file
    cannot be used: nothing changed) or error (nothing changed either). Ended ones keep no file."""

    IMPORTING = "importing", "正在读取"
    DONE = "done", "已导入"
    REJECTED = "rejected", "未导入"
    ERROR = "error", "出错"


class AttendanceSource(LabelledEnum):
    """How a live-class registration's attendance was set: by an imported viewer export (a corrected file may take
    it back) or ticked by the session's broker (an import leaves it). None: not known yet."""

    IMPORT = "import", "导入"
    BROKER = "broker", "经纪人标记"


class IndexJobStatus(LabelledEnum):
    """A matching-index refit job."""

    QUEUED = "queued", "排队中"
    RUNNING = "running", "进行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


# Online signing (网上签约) ------------------------------------------------------------------


class CredentialKind(LabelledEnum):
    PLATFORM_CA = "platform_ca", "平台数字证书"
    PKCS12 = "pkcs12", "第三方CA证书（PKCS#12）"


class DocumentStatus(LabelledEnum):
    AWAITING = "awaiting_signatures", "待签署"
    SIGNED = "signed", "已网上签约"  # the contract's state (lifecycle.LABELS), as every page says it
    WITHDRAWN = "withdrawn", "已撤回"


class SigningParty(LabelledEnum):
    BUYER = "buyer", "甲方"
    SELLER = "seller", "乙方"
    PLATFORM = "platform", "平台"


class ApiScope(LabelledEnum):
    """What an API token may do (the JSON API at /api/v1)."""

    READ = "read", "读取"
    WRITE = "write", "写入"


class ApiTokenKind(LabelledEnum):
    """A person's own token, or one an admin issued for another system (统计局、合同登记处、城市数据平台)."""

    PERSONAL = "personal", "个人令牌"
    SERVICE = "service", "服务令牌"
