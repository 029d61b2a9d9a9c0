"""Demo organisations of the city's industries, universities, institutes, and users of every role."""

from ..auth.services import create_user
from ..extensions import db
from ..models import Organization, OrgKind, Role
from ..utils.uscc import check_character

ENTERPRISES = [
    # name, industry, town
    ("康宁生物医药科技有限公司", "健康医药", "高新区"),
    ("华济医疗器械股份有限公司", "健康医药", "东城街道"),
    ("云启信息技术有限公司", "新一代信息技术", "高新区"),
    ("芯联微电子有限公司", "新一代信息技术", "临港镇"),
    ("精工智能装备有限公司", "高端装备制造", "临港镇"),
    ("恒力数控机床有限公司", "高端装备制造", "北城街道"),
    ("美居智能家电有限公司", "智能家电", "翠湖镇"),
    ("暖源厨卫电器有限公司", "智能家电", "花溪镇"),
    ("固安锁业有限公司", "五金锁具", "五金镇"),
    ("铭锋五金制品有限公司", "五金锁具", "五金镇"),
    ("星耀灯饰照明有限公司", "灯饰照明", "灯都镇"),
    ("光域半导体照明有限公司", "灯饰照明", "灯都镇"),
    ("新材高分子材料有限公司", "新材料", "南城街道"),
    ("绿能储能科技有限公司", "新能源", "西城街道"),
]
RESEARCH = [
    ("南方理工大学", OrgKind.UNIVERSITY, "高新区"),
    ("东海医科大学", OrgKind.UNIVERSITY, "东城街道"),
    ("岭南工业大学", OrgKind.UNIVERSITY, "西城街道"),
    ("市先进制造研究院", OrgKind.INSTITUTE, "临港镇"),
    ("市光电技术研究所", OrgKind.INSTITUTE, "灯都镇"),
    ("市生物医药创新研究院", OrgKind.INSTITUTE, "高新区"),
]
OTHERS = [
    ("市技术转移服务中心", OrgKind.AGENCY, "东城街道"),
    ("市科学技术局", OrgKind.GOVERNMENT, "东城街道"),
]
PERSON_NAMES = ["张伟", "王芳", "李强", "刘洋", "陈静", "杨磊", "赵敏", "黄涛", "周丽", "吴军", "徐婷", "孙浩",
                "胡杰", "朱琳", "高峰", "林霞", "何斌", "郭蕾", "马超", "罗燕"]  # fmt: skip
# Plain names (pages add the role: 经纪人：李建国), none an enterprise user's or researcher's above.
BROKER_NAMES = ["李建国", "钱思远", "孙丽华"]


def demo_uscc(n):
    """A well-formed demo code (valid check character) for enterprise n."""
    first17 = f"914420007{n:08d}"
    return first17 + check_character(first17)


def seed(ctx):
    """Organisations and one or more users per role; prints the logins."""
    echo, pw = ctx["echo"], ctx["password"]
    orgs = {}
    for i, (name, industry, town) in enumerate(ENTERPRISES, start=1):
        orgs[name] = Organization(name=name, kind=OrgKind.ENTERPRISE, uscc=demo_uscc(i), industry=industry,
                                  town=town, verified=True, contact_name=PERSON_NAMES[i % 20],
                                  contact_phone=f"1380000{i:04d}", contact_email=f"contact{i}@demo-ent.cn")  # fmt: skip
    for name, kind, town in RESEARCH + OTHERS:
        orgs[name] = Organization(name=name, kind=kind, town=town, verified=True)
    db.session.add_all(orgs.values())
    db.session.flush()
    users = {"enterprise": [], "researcher": [], "broker": [], "admin": []}
    users["admin"].append(_user(Role.ADMIN, "admin@demo.cn", "平台管理员", orgs["市科学技术局"], pw))
    for i in range(1, 4):
        users["broker"].append(
            _user(Role.BROKER, f"broker{i}@demo.cn", BROKER_NAMES[i - 1], orgs["市技术转移服务中心"], pw)
        )
    for i, (name, _, _) in enumerate(ENTERPRISES, start=1):
        users["enterprise"].append(_user(Role.ENTERPRISE, f"ent{i}@demo.cn", PERSON_NAMES[i % 20], orgs[name], pw))
    for i, (name, _, _) in enumerate(RESEARCH, start=1):
        for j in (1, 2):
            n = (i - 1) * 2 + j
            users["researcher"].append(
                _user(Role.RESEARCHER, f"res{n}@demo.cn", PERSON_NAMES[(n + 7) % 20] + "教授", orgs[name], pw)
            )
    ctx.update(orgs=orgs, users=users)
    echo(f"演示账号（密码均为 {pw}）：")
    echo("  管理员      admin@demo.cn")
    echo("  技术经纪人  broker1@demo.cn  broker2@demo.cn  broker3@demo.cn")
    echo(f"  企业用户    ent1@demo.cn … ent{len(ENTERPRISES)}@demo.cn")
    echo(f"  科研人员    res1@demo.cn … res{len(users['researcher'])}@demo.cn")


def _user(role, email, name, org, password):
    return create_user(role=role, email=email, name=name, password=password, organization=org)
