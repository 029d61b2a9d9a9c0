"""The maintained lists: industries, technical fields, towns."""

from ..extensions import db
from ..models import Taxonomy

INDUSTRIES = [
    "健康医药",
    "新一代信息技术",
    "高端装备制造",
    "智能家电",
    "五金锁具",
    "灯饰照明",
    "新材料",
    "新能源",
    "纺织服装",
    "现代农业",
]
FIELDS = ["生物医药", "医疗器械", "人工智能", "大数据", "物联网", "集成电路", "智能制造", "机器人", "先进材料",
          "节能环保", "光电技术", "新能源技术", "精密加工", "食品安全", "检验检测"]  # fmt: skip
TOWNS = ["东城街道", "西城街道", "南城街道", "北城街道", "高新区", "临港镇", "灯都镇", "五金镇", "花溪镇", "翠湖镇"]


def ensure_taxonomy():
    """Insert the default lists where missing (idempotent)."""
    existing = {(k, n) for k, n in db.session.execute(db.select(Taxonomy.kind, Taxonomy.name))}
    for kind, names in (("industry", INDUSTRIES), ("field", FIELDS), ("town", TOWNS)):
        for i, name in enumerate(names):
            if (kind, name) not in existing:
                db.session.add(Taxonomy(kind=kind, name=name, sort_order=i))
    db.session.commit()


def seed(ctx):
    ensure_taxonomy()
