/* Draws every chart on the page: <div data-chart="ID"> reads its figure from the
   <script type="application/json" id="ID"> that Django's json_script wrote. Charts follow
   their box's width (Plotly's responsive config); in a narrow box (a phone) titles wrap,
   legends sit under the plot, axes make room for their labels and heatmaps drop cell text. */
(function () {
  "use strict";
  var NARROW_PX = 560; // below this a legend beside the plot leaves no room for the plot
  var TITLE_CHAR_PX = 8; // about one character of a 14px title

  function wrap(text, width) {
    var limit = Math.max(16, Math.floor(width / TITLE_CHAR_PX));
    var lines = [], line = "";
    String(text).split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > limit) { lines.push(line); line = word; }
      else { line = line ? line + " " + word : word; }
    });
    if (line) { lines.push(line); }
    return lines.join("<br>");
  }

  function narrowLayout(layout, data, width) {
    var title = layout.title && layout.title.text;
    var lines = title ? wrap(title, width - 20) : "";
    var titleLines = lines ? lines.split("<br>").length : 0;
    // Above the plot area, pushing the top margin down as far as its lines need.
    layout.title = Object.assign({}, layout.title, {
      text: lines, font: { size: 14 }, x: 0, xref: "paper", xanchor: "left",
      y: 1, yref: "paper", yanchor: "bottom", pad: { b: 12 }, automargin: true
    });
    layout.margin = { t: 10 + 18 * titleLines, r: 10, b: 40, l: 10, autoexpand: true };
    if (layout.polar) { // room for the angular labels (feature names) left and right
      layout.polar = Object.assign({}, layout.polar, { domain: { x: [0.2, 0.8], y: [0, 1] } });
      layout.polar.angularaxis = Object.assign({ tickfont: { size: 10 } },
        layout.polar.angularaxis);
    }
    layout.legend = Object.assign({}, layout.legend, {
      orientation: "h", x: 0, xanchor: "left", y: 0, yanchor: "bottom", yref: "container",
      font: { size: 11 }
    });
    layout.font = Object.assign({ size: 11 }, layout.font);
    Object.keys(layout).forEach(function (key) {
      if (/^[xy]axis\d*$/.test(key)) {
        layout[key] = Object.assign({ automargin: true, nticks: 6 }, layout[key]);
      }
    });
    if (!layout.xaxis) { layout.xaxis = { automargin: true }; }
    if (!layout.yaxis) { layout.yaxis = { automargin: true }; }
    var legendItems = data.filter(function (trace) { return trace.showlegend !== false; }).length;
    var hasLegend = legendItems > 1 || data.some(function (t) { return t.type === "scatterpolar"; });
    layout.height = Math.max(340, Math.round(width * 0.8)) + (hasLegend ? 22 * legendItems : 0);
    data.forEach(function (trace) {
      if (trace.type === "heatmap") { trace.texttemplate = ""; }
      if (trace.type === "bar" && trace.orientation !== "h") { trace.textangle = 0; }
    });
    return layout;
  }

  function render(el) {
    var source = document.getElementById(el.dataset.chart);
    if (!source) { return; }
    var figure = JSON.parse(source.textContent);
    var data = figure.data || [];
    var width = el.clientWidth || el.parentElement.clientWidth;
    var layout = Object.assign({ autosize: true, margin: { t: 40, r: 10, b: 50, l: 60 } },
      figure.layout || {});
    var narrow = width < NARROW_PX;
    if (narrow) { layout = narrowLayout(layout, data, width); }
    el.dataset.narrow = narrow ? "yes" : "no";
    if (el._fullLayout) { Plotly.purge(el); }
    el.textContent = "";
    Plotly.newPlot(el, data, layout, { responsive: true, displaylogo: false });
  }

  function draw() {
    if (typeof Plotly === "undefined") { return; }
    document.querySelectorAll("[data-chart]").forEach(render);
  }

  // Turning a phone or resizing a window across NARROW_PX lays the chart out again.
  var pending;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      if (typeof Plotly === "undefined") { return; }
      document.querySelectorAll("[data-chart]").forEach(function (el) {
        var narrow = (el.clientWidth < NARROW_PX) ? "yes" : "no";
        if (el.dataset.narrow !== narrow) { render(el); }
      });
    }, 200);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
