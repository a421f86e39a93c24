// lantian dashboard charts. Data come from the page itself (the JSON in
// #chart-data, rendered by the server from the same views as the tables);
// ECharts is the vendored copy in /static/vendor/.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chart-data").textContent || "null");
  if (!data || typeof echarts === "undefined") return;
  var en = document.body.dataset.lang === "en";
  var levels = [
    { max: 50, color: "#00E400", zh: "优", en: "Good" },
    { max: 100, color: "#FFFF00", zh: "良", en: "Moderate" },
    { max: 150, color: "#FF7E00", zh: "轻度污染", en: "Unhealthy for sensitive groups" },
    { max: 200, color: "#FF0000", zh: "中度污染", en: "Unhealthy" },
    { max: 300, color: "#99004C", zh: "重度污染", en: "Very unhealthy" },
    { max: 100000, color: "#7E0023", zh: "严重污染", en: "Hazardous" }
  ];
  var pieces = [];
  var lo = 1;
  levels.forEach(function (l) { pieces.push({ min: lo, max: l.max, color: l.color, label: en ? l.en : l.zh }); lo = l.max + 1; });
  function chart(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    var c = echarts.init(el, null, { renderer: "canvas" });
    window.addEventListener("resize", function () { c.resize(); });
    return c;
  }
  var pollutants = [["so2", "SO2"], ["no2", "NO2"], ["co", "CO"], ["o3", "O3"], ["pm10", "PM10"], ["pm25", "PM2.5"]];

  if (data.map) {
    var c = chart("chart-map");
    var pts = data.map.map(function (s) {
      return { name: s.name + " (" + s.code + ")", value: [s.lon, s.lat, s.aqi == null ? 0 : s.aqi], code: s.code, synthetic: s.synthetic };
    });
    c.setOption({
      tooltip: { formatter: function (p) { return p.data.name + "<br>AQI " + (p.data.value[2] || "NA") + (p.data.synthetic ? (en ? " (simulated)" : "（模拟数据）") : ""); } },
      xAxis: { type: "value", scale: true, name: en ? "lon" : "经度" }, yAxis: { type: "value", scale: true, name: en ? "lat" : "纬度" },
      visualMap: { type: "piecewise", pieces: pieces, dimension: 2, orient: "horizontal", left: "center", bottom: 0 },
      grid: { bottom: 70 },
      series: [{ type: "scatter", symbolSize: 12, data: pts, itemStyle: { borderColor: "#333", borderWidth: 0.5 } }]
    });
    c.on("click", function (p) { location.href = "/stations/" + p.data.code; });
  }

  if (data.calendar) {
    var cc = chart("chart-calendar");
    cc.setOption({
      tooltip: { formatter: function (p) { return p.data[0] + " AQI " + p.data[1]; } },
      visualMap: { type: "piecewise", pieces: pieces, orient: "horizontal", left: "center", bottom: 0 },
      calendar: { range: String(data.year), cellSize: ["auto", 16], top: 30, left: 40, right: 20, dayLabel: { nameMap: en ? "en" : "ZH", firstDay: 1 }, monthLabel: { nameMap: en ? "en" : "ZH" }, yearLabel: { show: false } },
      series: [{ type: "heatmap", coordinateSystem: "calendar", data: data.calendar.filter(function (d) { return d.aqi > 0; }).map(function (d) { return [d.date, d.aqi]; }) }]
    });
  }

  if (data.ranking) {
    var rc = chart("chart-ranking");
    var rows = data.ranking.filter(function (r) { return r.rank > 0; }).reverse();
    rc.setOption({
      tooltip: {}, grid: { left: 140, right: 30, top: 10, bottom: 30 },
      xAxis: { type: "value", name: en ? "composite index" : "综合指数" },
      yAxis: { type: "category", data: rows.map(function (r) { return r.rank + ". " + r.area.name + (r.tied ? (en ? " (tied)" : "（并列）") : ""); }) },
      series: [{ type: "bar", data: rows.map(function (r) { return Number(r.composite_index); }), itemStyle: { color: "#1565c0" } }]
    });
  }

  if (data.daily) {
    var sc = chart("chart-series");
    var dates = data.daily.map(function (d) { return d.date; });
    sc.setOption({
      tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 50, right: 50, top: 40, bottom: 60 },
      dataZoom: [{ type: "slider", bottom: 10 }, { type: "inside" }],
      xAxis: { type: "category", data: dates },
      yAxis: [{ type: "value", name: "μg/m³" }, { type: "value", name: "CO mg/m³" }],
      series: pollutants.map(function (p) {
        return { name: p[1] + (p[0] === "o3" ? "-8h" : ""), type: "line", showSymbol: false, yAxisIndex: p[0] === "co" ? 1 : 0,
          data: data.daily.map(function (d) { return d.valid[p[0]] ? d.values[p[0]] : null; }) };
      })
    });
    function profile(id, src, labels) {
      var pc = chart(id);
      if (!pc || !src) return;
      pc.setOption({
        tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 50, right: 50, top: 40, bottom: 30 },
        xAxis: { type: "category", data: labels },
        yAxis: [{ type: "value", name: "μg/m³" }, { type: "value", name: "CO mg/m³" }],
        series: pollutants.map(function (p) { return { name: p[1], type: "line", yAxisIndex: p[0] === "co" ? 1 : 0, data: src[p[0]] }; })
      });
    }
    var hours = []; for (var h = 1; h <= 24; h++) hours.push(h + ":00");
    profile("chart-diurnal", data.diurnal, hours);
    profile("chart-weekly", data.weekly, en ? ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] : ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]);
  }
})();
