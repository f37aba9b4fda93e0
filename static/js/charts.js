/* Draws every chart on the page: <div data-chart="ID"> reads its figure from the
   <script type="application/json" id="ID"> that Django's json_script wrote. */
(function () {
  "use strict";
  function draw() {
    if (typeof Plotly === "undefined") { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.dataset.chart);
      if (!source) { return; }
      var figure = JSON.parse(source.textContent);
      var layout = Object.assign({ autosize: true, margin: { t: 40, r: 10, b: 50, l: 60 } },
        figure.layout || {});
      el.textContent = "";
      Plotly.newPlot(el, figure.data || [], layout,
        { responsive: true, displaylogo: false });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
