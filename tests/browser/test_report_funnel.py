"""The report's funnel chart on the demo: every stage's label is readable, also beside the narrow last stages
(签订合同 2 of 69 published needs), on a desktop and on a phone."""

import re

import pytest

from .conftest import Journey

ADMIN = ("admin@demo.cn", "demo12345")

# For each stage: its label's text and box, whether a point of that box falls on any segment of the funnel
# (zrender's contain() tests the drawn shape, not its bounding box), and the chart's width.
_LABELS = """() => {
  const el = document.querySelector('[data-chart="funnel"]');
  const chart = echarts.getInstanceByDom(el);
  const data = chart.getModel().getSeriesByIndex(0).getData();
  const segments = [...Array(data.count()).keys()].map(i => data.getItemGraphicEl(i));
  return segments.map(g => {
    const text = g.getTextContent();
    const r = text.getBoundingRect().clone();
    r.applyTransform(text.getComputedTransform());
    const points = [];
    for (const fx of [0, 0.25, 0.5, 0.75, 1]) for (const fy of [0, 0.5, 1]) points.push([r.x + fx * r.width, r.y + fy * r.height]);
    return {text: text.style.text, box: [r.x, r.y, r.width, r.height], width: el.clientWidth,
            onSegment: points.some(([x, y]) => segments.some(s => s.contain(x, y)))};
  });
}"""


def _overlap(a, b):
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


@pytest.mark.parametrize("width", [1280, 390])
def test_funnel_labels_lie_clear_of_the_segments_and_of_each_other(browser, demo_server, width):
    """Each label (stage：count 项) is off every segment, inside the chart and apart from the other labels."""
    j = Journey(browser, demo_server["url"], f"report-funnel-{width}")
    try:
        j.page.set_viewport_size({"width": width, "height": 900})
        j.login(*ADMIN)
        j.go("/reports/")
        j.page.wait_for_selector('[data-chart="funnel"] canvas')
        labels = j.page.evaluate(_LABELS)
        for x in labels:
            assert not x["onSegment"], x
            assert 0 <= x["box"][0] and x["box"][0] + x["box"][2] <= x["width"], x
        stages = [re.fullmatch(r"(\S+)：\d+ 项", x["text"]).group(1) for x in labels]
        assert stages == ["发布需求", "获得推荐", "经纪人采纳", "完成引荐", "签订合同"]
        for i, a in enumerate(labels):
            assert not any(_overlap(a["box"], b["box"]) for b in labels[i + 1 :]), a
        j.shot("funnel")
    finally:
        j.close()
