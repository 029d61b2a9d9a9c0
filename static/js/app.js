// matchmaker: behaviour shared by every page (no inline scripts: the CSP forbids them).
document.addEventListener("submit", function (ev) {
  var form = ev.target;
  var msg = form.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) { ev.preventDefault(); return; }
  // Guard against double submits: disable the buttons once the form goes.
  if (!ev.defaultPrevented && form.method.toLowerCase() === "post") {
    setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    }, 0);
  }
});

// A form sent back with errors: move focus to the first invalid control (its message is tied to it
// by aria-describedby), so keyboard and screen-reader users land where the fix is needed.
document.addEventListener("DOMContentLoaded", function () {
  // An amount read from full-width digits waits for confirmation: its message is focused likewise; so does
  // the near-duplicate warning's checkbox (at the foot of a long form, unseen from the top of the page).
  var bad = document.querySelector(
    "main [aria-invalid=true], main .is-invalid, main [data-amount-confirm], main #confirm_duplicate");
  if (bad && typeof bad.focus === "function") { bad.focus(); }
});

// A table wider than its box scrolls sideways: let the keyboard reach and scroll it (WCAG 2.1.1) by
// making the box a named, focusable region. Checked again when the window (or the zoom) changes.
(function () {
  function mark() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        var heading = box.closest("section, .card, main");
        heading = heading && heading.querySelector("h1, h2, h3, .card-header");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", (heading ? heading.textContent.trim() + "：" : "") + "表格（可左右滚动）");
        box.setAttribute("data-region-auto", "");
      } else if (!scrolls && box.hasAttribute("data-region-auto")) {
        ["tabindex", "role", "aria-label", "data-region-auto"].forEach(function (a) { box.removeAttribute(a); });
      }
    });
  }
  document.addEventListener("DOMContentLoaded", mark);
  window.addEventListener("resize", mark);
})();

// A list table marked .mm-stack shows each row as a card on a narrow screen (app.css): every cell gets its
// column's name as data-label, shown before the value, so no one pans sideways to find a row's status.
// The table is restyled with display: block there, which some browsers take as "not a table" for screen
// readers: the table roles are stated explicitly, so it stays a table with its column headers.
(function () {
  document.querySelectorAll(document.documentElement.classList.contains("mm-elder") ? "table.mm-stack, table.mm-stack-elder" : "table.mm-stack").forEach(function (table) {
    var head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    var labels = [];
    if (head) {
      Array.prototype.forEach.call(head.cells, function (th) {
        for (var i = 0; i < th.colSpan; i++) { labels.push(th.textContent.replace(/\s+/g, " ").trim()); }
      });
    }
    table.setAttribute("role", "table");
    Array.prototype.forEach.call(table.querySelectorAll(":scope > thead, :scope > tbody, :scope > tfoot"), function (group) {
      group.setAttribute("role", "rowgroup");
      var spanned = [];  // per column: rows still covered by a cell above with rowspan
      Array.prototype.forEach.call(group.rows, function (tr) {
        tr.setAttribute("role", "row");
        var column = 0;
        Array.prototype.forEach.call(tr.cells, function (cell) {
          var inHead = group.tagName === "THEAD";
          while (spanned[column] > 0) { column++; }
          cell.setAttribute("role", cell.tagName === "TH" ? (inHead || cell.scope === "col" ? "columnheader" : "rowheader") : "cell");
          // A cell across every column (暂无记录) or a column without a name (its buttons) has no label.
          if (!inHead && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", cell.colSpan >= labels.length ? "" : labels[column] || "");
          }
          // An empty cell shows a dash after its label on a card (the label alone looked cut off).
          if (!inHead && !cell.textContent.trim() && !cell.children.length) {  // an icon alone is no empty cell
            cell.setAttribute("data-empty", "");
          }
          for (var i = 0; i < cell.colSpan; i++) { spanned[column + i] = cell.rowSpan; }
          column += cell.colSpan;
        });
        spanned = spanned.map(function (n) { return n - 1; });
      });
    });
  });
})();

// A filter form marked .mm-filters folds the filters marked .mm-more behind its .mm-more-toggle button on a
// phone (app.css), so the list starts on the first screen; a page asked with any of them (data-open) shows
// them. Without this script every filter shows.
(function () {
  document.querySelectorAll("form.mm-filters").forEach(function (form) {
    var button = form.querySelector(".mm-more-toggle button");
    if (!button) { return; }
    function show(open) {
      form.classList.toggle("mm-folded", !open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
      button.textContent = open ? "收起筛选条件" : "更多筛选条件";
    }
    form.classList.add("mm-foldable");
    show(form.hasAttribute("data-open"));
    button.addEventListener("click", function () { show(form.classList.contains("mm-folded")); });
  });
})();
