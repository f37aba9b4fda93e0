/* Reload the page while something on it is still being built ([data-auto-refresh]=ms). */
(function () {
  "use strict";
  var el = document.querySelector("[data-auto-refresh]");
  if (el) { setTimeout(function () { window.location.reload(); }, parseInt(el.dataset.autoRefresh, 10) || 3000); }
})();
