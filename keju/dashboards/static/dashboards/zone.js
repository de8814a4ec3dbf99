/* Draws the zone dashboards' charts from the JSON the page embeds (json_script). */
(function () {
  "use strict";

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function sparkline(el, chart) {
    var actual = chart.actual.map(function (p) { return [p[0], p[1]]; });
    var years = [];
    function add(list) { list.forEach(function (p) { if (years.indexOf(p[0]) < 0) { years.push(p[0]); } }); }
    add(chart.actual); add(chart.path); add(chart.band);
    if (!years.length) { return; }
    var lower = chart.band.map(function (p) { return [p[0], p[1]]; });
    var width = chart.band.map(function (p) { return [p[0], p[2] - p[1]]; });
    var series = [
      { name: "band-low", type: "line", data: lower, stack: "band", symbol: "none", lineStyle: { opacity: 0 }, silent: true },
      { name: "band", type: "line", data: width, stack: "band", symbol: "none", lineStyle: { opacity: 0 },
        areaStyle: { color: "rgba(33,99,171,0.18)" }, silent: true },
      { name: "path", type: "line", data: chart.path, symbol: "none", lineStyle: { type: "dashed", color: "#888", width: 1 } },
      { name: "actual", type: "line", data: actual, symbolSize: 4, lineStyle: { color: "#2163ab", width: 2 }, itemStyle: { color: "#2163ab" } }
    ];
    var instance = echarts.init(el, null, { renderer: "svg" });
    instance.setOption({
      animation: false,
      grid: { left: 4, right: 4, top: 6, bottom: 18, containLabel: true },
      xAxis: { type: "value", min: Math.min.apply(null, years), max: Math.max.apply(null, years), interval: 1,
               axisLabel: { fontSize: 9, formatter: function (v) { return String(v).slice(2); } } },
      yAxis: { type: "value", scale: true, axisLabel: { fontSize: 9 }, splitLine: { show: false } },
      tooltip: { trigger: "axis" },
      series: series
    });
    window.addEventListener("resize", function () { instance.resize(); });
  }

  function bars(el, chart) {
    var instance = echarts.init(el, null, { renderer: "svg" });
    instance.setOption({
      animation: false,
      grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
      title: { text: chart.indicator, textStyle: { fontSize: 13 } },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: chart.names, axisLabel: { interval: 0, rotate: chart.names.length > 6 ? 30 : 0 } },
      yAxis: { type: "value" },
      series: [{ type: "bar", data: chart.values, itemStyle: { color: "#2163ab" } }]
    });
    window.addEventListener("resize", function () { instance.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof echarts === "undefined") { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = data(el.getAttribute("data-chart"));
      if (!chart) { return; }
      if (el.getAttribute("data-kind") === "bars") { bars(el, chart); } else { sparkline(el, chart); }
    });
  });
})();
