// Report charts: ECharts from the JSON block #report-charts (no inline scripts: CSP).
(function () {
  "use strict";
  var source = document.getElementById("report-charts");
  if (!source || typeof echarts === "undefined") { return; }
  var payloads = JSON.parse(source.textContent || "{}");
  var money = function (v) { return v === null || v === undefined ? v : Number(v); };

  function cartesian(p, narrow) {
    var useLine = p.type === "line";
    var series = p.series.map(function (s) {
      var isCount = s.axis === 1;
      return {
        name: s.name, type: isCount ? "line" : (useLine ? "line" : "bar"), yAxisIndex: isCount ? 1 : 0,
        data: isCount ? s.data : s.data.map(money), smooth: useLine && !isCount,
        // monotone along x: the curve stays between two months' figures (a plain smooth curve dipped under
        // 0 万元 beside a month without contracts and rose above a peak, figures no month had)
        smoothMonotone: useLine && !isCount ? "x" : undefined,
        areaStyle: useLine && !isCount && s.name.indexOf("合同金额") === 0 ? { opacity: 0.15 } : undefined
      };
    });
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      // on a phone the legend wraps to two lines: leave room so it does not cover the axis names
      grid: { left: 60, right: 50, top: narrow ? 85 : 60, bottom: 60 },
      xAxis: { type: "category", data: p.categories, axisLabel: { rotate: p.categories.length > 8 ? 30 : 0 } },
      yAxis: [{ type: "value", name: "万元" }, { type: "value", name: "项", minInterval: 1 }],
      series: series
    };
  }

  function pie(p) {
    var s = p.series[0];
    return {
      tooltip: { trigger: "item", formatter: "{b}<br>{c}（{d}%）" },
      legend: { type: "scroll", bottom: 0 },
      series: [{ name: s.name, type: "pie", radius: ["35%", "65%"], top: -20,
        data: p.categories.map(function (c, i) { return { name: c, value: money(s.data[i]) }; })
          .filter(function (d) { return d.value > 0; }) }]
    };
  }

  function empty(p) {
    // Nothing to draw: every value of the first series is zero (a pie of zeros is misleading).
    return p.series[0].data.every(function (v) { return !Number(v); });
  }

  function funnel(p, el, narrow) {
    var s = p.series[0];
    var left = narrow ? 0.02 : 0.08, width = narrow ? 0.55 : 0.62;
    // Labels in a column right of the funnel, in the page's text colour, a line to their stage: inside, the last
    // stages' narrow tips (签订合同 2 of 69) were covered by their own label; beside each stage's edge, the steep
    // edges of the upper stages ran under their label.
    return {
      tooltip: { trigger: "item", formatter: "{b}：{c} 项" },
      series: [{ name: s.name, type: "funnel", sort: "none", left: left * 100 + "%", width: width * 100 + "%",
        gap: 2, minSize: "6%",
        label: { show: true, position: "right", formatter: "{b}：{c} 项", color: "#212529", fontSize: 14 },
        labelLine: { show: true, lineStyle: { color: "#6c757d" } },
        labelLayout: function () { return { x: el.clientWidth * (left + width) + 16, align: "left" }; },
        data: p.categories.map(function (c, i) { return { name: c, value: s.data[i] }; }) }]
    };
  }

  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var p = payloads[el.getAttribute("data-chart")];
    if (!p) { return; }
    if (empty(p)) { el.classList.add("report-chart-empty"); el.textContent = "本期无数据可绘制"; return; }
    var chart = echarts.init(el);
    var narrow = el.clientWidth < 480;
    chart.setOption(p.type === "pie" ? pie(p) : p.type === "funnel" ? funnel(p, el, narrow) : cartesian(p, narrow));
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
