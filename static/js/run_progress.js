/* Live progress of a queued or running clustering run: polls the run's JSON status and reloads
   the page once the run has finished, so the results render server-side. */
(function () {
  "use strict";
  var box = document.getElementById("run-status");
  if (!box || !box.dataset.progressUrl) { return; }
  var bar = document.getElementById("run-progress");
  var POLL_MS = 1000;
  function set(field, text) {
    var el = box.querySelector('[data-field="' + field + '"]');
    if (el) { el.textContent = text; }
  }
  function poll() {
    fetch(box.dataset.progressUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (run) {
        bar.value = run.progress;
        bar.textContent = run.progress + "%";
        set("progress", run.progress);
        set("stage", run.stage || "");
        set("status", run.status_display);
        if (run.finished) { window.location.reload(); } else { setTimeout(poll, POLL_MS); }
      })
      .catch(function () { setTimeout(poll, POLL_MS * 3); });
  }
  setTimeout(poll, POLL_MS);
})();
