// Report charts: ECharts from the JSON block #report-charts (no inline scripts: CSP).
(function () {
  "use strict";
  var source = document.getElementById("report-charts");
  if (!source || typeof echarts === "undefined") { return; }
  var payloads = JSON.parse(source.textContent || "{}");
  var money = function (v) { return v === null || v === undefined ? v : Number(v); };
  // Text sizes follow the page's (适老化模式 sets a quarter larger root text, and black on white): ECharts draws its
  // own text at 12 px whatever the page says, so the axis labels stayed small beside the page's 20 px text.
  var elder = document.documentElement.classList.contains("mm-elder");
  var scale = (parseFloat(getComputedStyle(document.documentElement).fontSize) || 16) / 16;
  var size = Math.round(12 * scale), big = Math.round(14 * scale);
  var ink = elder ? "#000" : "#343a40";
  var label = { fontSize: size, color: ink };

  // Whether the category labels fit side by side under a chart of this width (ECharts drops every other one
  // when they do not: 适老化模式's larger labels showed 2026年第1季度 and 第3季度 only); else they are slanted.
  var measure = document.createElement("canvas").getContext("2d");
  function labelWidths(p) {
    measure.font = size + "px " + getComputedStyle(document.body).fontFamily;
    return p.categories.map(function (c) { return measure.measureText(String(c)).width; });
  }
  function labelsFit(p, el) {
    var widest = Math.max.apply(null, labelWidths(p));
    return widest * 1.2 + 10 <= (el.clientWidth - 120 * scale) / Math.max(p.categories.length, 1);
  }
  // Room left of the axis for the first slanted label, which hangs left of its tick past the axis's own labels
  // (新一代信息技术 was cut to 斤一代信息技术 at the chart's edge): what it needs beyond half a category and the axis.
  function slantRoom(p, el) {
    var first = labelWidths(p)[0] || 0, half = (el.clientWidth - 120 * scale) / Math.max(p.categories.length, 1) / 2;
    return Math.max(0, first * Math.cos(Math.PI / 6) + size - half - 40 * scale);
  }

  function cartesian(p, el, narrow) {
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
    var slanted = p.categories.length > 8 || !labelsFit(p, el);
    return {
      textStyle: { fontSize: size },
      tooltip: { trigger: "axis", textStyle: { fontSize: size } },
      legend: { top: 0, itemGap: 10 * scale, textStyle: label },
      // on a phone the legend wraps to two lines: leave room so it does not cover the axis names; the grid holds
      // the axis labels whatever their size (containLabel)
      grid: { left: 16 * scale + (slanted ? slantRoom(p, el) : 0), right: 16 * scale, top: (narrow ? 85 : 60) * scale,
        bottom: 8 * scale, containLabel: true },
      xAxis: { type: "category", data: p.categories,
        axisLabel: { rotate: slanted ? 30 : 0, fontSize: size, color: ink } },
      yAxis: [{ type: "value", name: "万元", nameTextStyle: label, axisLabel: label },
        { type: "value", name: "项", minInterval: 1, nameTextStyle: label, axisLabel: label }],
      series: series
    };
  }

  function pie(p) {
    var s = p.series[0];
    return {
      textStyle: { fontSize: size },
      tooltip: { trigger: "item", formatter: "{b}<br>{c}（{d}%）", textStyle: { fontSize: size } },
      // 适老化模式: the larger legend names stood 13 px apart, reading as one run of text.
      legend: { type: "scroll", bottom: 0, itemGap: (elder ? 20 : 10) * scale, textStyle: label },
      series: [{ name: s.name, type: "pie", radius: ["35%", "65%"], top: -20, label: label,
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
      textStyle: { fontSize: size },
      tooltip: { trigger: "item", formatter: "{b}：{c} 项", textStyle: { fontSize: size } },
      series: [{ name: s.name, type: "funnel", sort: "none", left: left * 100 + "%", width: width * 100 + "%",
        gap: 2, minSize: "6%",
        label: { show: true, position: "right", formatter: "{b}：{c} 项", color: elder ? "#000" : "#212529", fontSize: big },
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
    chart.setOption(p.type === "pie" ? pie(p) : p.type === "funnel" ? funnel(p, el, narrow) : cartesian(p, el, narrow));
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
