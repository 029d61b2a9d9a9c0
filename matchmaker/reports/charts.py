"""ECharts payloads built from report tables (numbers as strings of exact 万元, parsed by the page)."""

from ..utils.money import to_wan


def chart_payloads(report):
    """{table key: payload} for every table that has a chart."""
    out = {}
    for t in report["tables"]:
        if not t.chart:
            continue
        names = [str(r["name"]) for r in t.rows]
        if t.key == "funnel":
            series = [{"name": "需求数", "data": [r["count"] for r in t.rows]}]
        elif t.key.endswith("_by_state"):
            series = [{"name": "数量", "data": [r["count"] for r in t.rows]}]
        else:
            series = [
                {"name": "合同金额（万元）", "data": [str(to_wan(r["amount"])) for r in t.rows]},
                {"name": "技术交易额（万元）", "data": [str(to_wan(r["transaction_amount"])) for r in t.rows]},
                {"name": "合同数（项）", "data": [r["count"] for r in t.rows], "axis": 1},
            ]
        out[t.key] = {"type": t.chart, "title": t.title, "categories": names, "series": series}
    return out
