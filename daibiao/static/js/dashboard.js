// The overview's charts (reports/dashboard.html and its full-screen display), drawn with the
// vendored ECharts from the JSON the page carries (#dashboard-data): no request of its own.
// A bar, slice or point that carries a "url" opens the list behind it when clicked. Each
// chart container gets data-drawn="1" once ECharts has finished drawing it (the browser
// tests wait for that). Tooltips are drawn on the canvas (renderMode "richText"): the
// content security policy forbids the inline styles of HTML tooltips.
(() => {
  const source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const screen = document.body.classList.contains("dash-screen");
  const font = screen ? Math.max(14, Math.round(window.innerWidth / 110)) : 12;
  const palette = screen
    ? ["#ff6b6b", "#4dabf7", "#ffd43b", "#69db7c", "#b197fc", "#63e6be"]
    : ["#b8242a", "#2f6fb3", "#e39b2d", "#3a9a5b", "#7b5ea7", "#5b8a9a"];

  const base = () => ({
    color: palette,
    backgroundColor: "transparent",
    animation: !screen,
    textStyle: { fontSize: font },
    tooltip: { renderMode: "richText", confine: true, textStyle: { fontSize: font } },
    legend: { top: 0, textStyle: { fontSize: font } },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
  });

  const axisLabel = { fontSize: font, hideOverlap: true };

  const builders = {
    line(spec) {
      return {
        ...base(),
        tooltip: { ...base().tooltip, trigger: "axis" },
        grid: { ...base().grid, right: font * 2.5 }, // room for the last month's label
        xAxis: { type: "category", data: spec.categories, boundaryGap: false, axisLabel },
        yAxis: { type: "value", minInterval: 1, axisLabel },
        series: spec.series.map((s) => ({ name: s.name, type: "line", smooth: 0.3, symbolSize: 6, data: s.data })),
      };
    },
    bar(spec) {
      const horizontal = Boolean(spec.horizontal);
      const categoryAxis = {
        type: "category",
        data: spec.categories,
        inverse: horizontal,
        axisLabel: { ...axisLabel, interval: 0, rotate: !horizontal && spec.categories.length > 8 ? 30 : 0 },
      };
      const valueAxis = { type: "value", minInterval: 1, axisLabel };
      const option = {
        ...base(),
        tooltip: { ...base().tooltip, trigger: "axis", axisPointer: { type: "shadow" } },
        xAxis: horizontal ? valueAxis : categoryAxis,
        yAxis: horizontal ? categoryAxis : [valueAxis],
        series: spec.series.map((s) => ({
          name: s.name,
          type: "bar",
          data: s.data,
          barMaxWidth: 28,
          emphasis: { focus: "series" },
        })),
      };
      if (spec.series.length < 2) option.legend = { show: false };
      if (spec.rate) {
        // A percentage on its own axis (training coverage beside the counts).
        option.yAxis.push({ type: "value", min: 0, max: 100, axisLabel: { ...axisLabel, formatter: "{value}%" } });
        option.series.push({ name: spec.rate.name, type: "line", yAxisIndex: 1, data: spec.rate.data, symbolSize: 8 });
      }
      return option;
    },
    pie(spec) {
      return {
        ...base(),
        tooltip: { ...base().tooltip, trigger: "item", formatter: "{b}: {c} ({d}%)" },
        legend: { show: false },
        series: [
          {
            type: "pie",
            radius: ["38%", "68%"],
            data: spec.data,
            label: { fontSize: font, formatter: "{b}\n{c}" },
          },
        ],
      };
    },
  };

  const charts = [];
  document.querySelectorAll("[data-chart]").forEach((el) => {
    const spec = data.charts[el.dataset.chart];
    const build = spec && builders[spec.kind];
    if (!build) return;
    const chart = echarts.init(el, screen ? "dark" : null, { renderer: "canvas", locale: "ZH" });
    chart.on("finished", () => {
      el.dataset.drawn = "1";
    });
    chart.on("click", (params) => {
      const url = params.data && params.data.url;
      if (url) window.location.assign(url);
    });
    chart.setOption(build(spec));
    charts.push(chart);
    if (window.ResizeObserver) new ResizeObserver(() => chart.resize()).observe(el);
  });
  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));
})();
