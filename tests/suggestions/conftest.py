"""Listings with obvious matches for the matches tests."""

import pytest

from ..factories import make_need, make_result, make_user

NEED_TEXT = dict(
    title="智能门锁指纹识别模块开发",
    keywords="智能门锁,指纹识别",
    problem="需要低功耗的智能门锁指纹识别方案，用于家用防盗门，识别速度快、误识率低。",
)
RESULT_TEXT = dict(
    title="电容式指纹识别芯片",
    keywords="指纹识别,智能门锁",
    abstract="用于智能门锁的电容式指纹识别芯片与识别算法，功耗低，识别速度快。",
)
OTHER_RESULTS = [
    dict(title="石墨烯导热膜", keywords="石墨烯,散热", abstract="石墨烯导热膜用于LED照明灯具散热，显著降低灯具温度。"),
    dict(title="锂离子电池正极材料", keywords="锂离子电池,正极材料", abstract="高镍正极材料的制备工艺与量产方案。"),
    dict(
        title="中药配方颗粒质控方法",
        keywords="中药配方颗粒,质量控制",
        abstract="建立中药配方颗粒的指纹图谱质量控制方法。",
    ),
    dict(
        title="工业机器人机器视觉缺陷检测",
        keywords="机器视觉,工业机器人",
        abstract="面向产线的工业机器人机器视觉缺陷检测系统。",
    ),
]
OTHER_NEEDS = [
    dict(
        title="LED照明灯具散热技术",
        keywords="led照明,散热设计",
        problem="寻求大功率LED照明灯具的散热设计技术，降低结温。",
    ),
    dict(
        title="中药配方颗粒质量控制",
        keywords="中药配方颗粒",
        problem="希望提升中药配方颗粒的质量控制与一致性评价水平。",
    ),
    dict(
        title="工业机器人视觉检测",
        keywords="工业机器人,机器视觉",
        problem="产线需要基于机器视觉的工业机器人缺陷检测系统。",
    ),
]


@pytest.fixture(autouse=True)
def threshold(request):
    """The suggested production threshold (config.py still says 0.12)."""
    if "app" in request.fixturenames:
        request.getfixturevalue("app").config["MATCH_THRESHOLD"] = 0.35


@pytest.fixture
def corpus(app):
    """One matching result, three unrelated ones, owners of each side."""
    researcher = make_user("researcher")
    result = make_result(user=researcher, **RESULT_TEXT)
    others = [make_result(user=researcher, **kw) for kw in OTHER_RESULTS]
    other_needs = [make_need(**kw) for kw in OTHER_NEEDS]
    enterprise = make_user("enterprise")
    return {"researcher": researcher, "result": result, "others": others, "enterprise": enterprise,
            "other_needs": other_needs}  # fmt: skip


def publish_need(user, **kw):
    """A published need, announced to the matcher as the needs service does."""
    from matchmaker.suggestions.services import listing_changed

    need = make_need(user=user, **{**NEED_TEXT, **kw})
    listing_changed(need)
    return need
