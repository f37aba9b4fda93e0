/* Sortable tables: each column heading of table.sortable is a button; pressing it sorts the rows
   by that column (numbers as numbers), again to reverse. aria-sort tells screen readers. */
(function () {
  "use strict";
  function value(cell) {
    var text = cell.textContent.trim();
    var number = parseFloat(text.replace(/[,%\s]/g, ""));
    return isNaN(number) || !/^-?[\d.,\s%]+$/.test(text) ? text.toLowerCase() : number;
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var headers = table.querySelectorAll("thead th");
    headers.forEach(function (th, index) {
      var button = th.querySelector("button");
      if (!button) { return; }
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = value(a.cells[index]), y = value(b.cells[index]);
          if (typeof x === typeof y) { return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1); }
          return (typeof x === "number" ? -1 : 1) * (ascending ? 1 : -1);
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
})();
