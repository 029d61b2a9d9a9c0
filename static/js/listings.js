// Listings and bulk import: busy status on upload, live progress of a file's check and import (no inline JS).
(function () {
  var form = document.getElementById("import-form");
  if (form) {
    form.addEventListener("submit", function () {
      var busy = document.getElementById("import-busy");
      if (busy) { busy.textContent = form.getAttribute("data-busy-text"); busy.classList.remove("d-none"); }
    });
  }
  var bar = document.getElementById("import-progress");
  function paint(done, total) {
    if (!bar) { return; }
    var pct = total ? Math.round(done * 100 / total) : 0;
    bar.style.width = pct + "%";
    bar.textContent = pct + "%";
    // The value, for assistive technology, on the element with role="progressbar" (read when visited, never
    // announced by itself: no live region here ticks every second; the outcome is announced once, on reload).
    var meter = bar.parentNode;
    if (meter && meter.getAttribute("role") === "progressbar") { meter.setAttribute("aria-valuenow", String(pct)); }
    var text = document.getElementById("import-progress-text");
    if (text) { text.textContent = done + " / " + total; }
  }
  if (bar) { paint(+bar.getAttribute("data-done"), +bar.getAttribute("data-total")); }
  // While the file is checked (rows read so far) or imported (rows written): polled until its status moves on.
  var MOVED_ON = "import-moved-on";
  var box = document.getElementById("import-status");
  var outcome = document.getElementById("import-outcome");
  try {
    var from = window.sessionStorage.getItem(MOVED_ON);
    if (from !== null) {
      window.sessionStorage.removeItem(MOVED_ON);
      if (outcome && box && from === box.getAttribute("data-report")) { outcome.focus(); }
    }
  } catch (e) { /* storage off: focus stays at the top of the page */ }
  var running = box && box.getAttribute("data-status");
  if (running === "importing" || running === "validating") {
    var poll = function () {
      fetch(box.getAttribute("data-url"), { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (s.status !== running) {
            // The page reloads to show the outcome: the new page moves focus to it (above), so a keyboard or
            // screen-reader user hears 校验完成 / 未通过校验 / 已导入 instead of starting again from the top.
            try { window.sessionStorage.setItem(MOVED_ON, box.getAttribute("data-report")); } catch (e) { /* storage off */ }
            window.location = box.getAttribute("data-report");
            return;
          }
          if (running === "importing") { paint(s.done, s.total); }
          var read = document.getElementById("import-read-rows");
          if (read) { read.textContent = s.done; }
          setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, 1000);
  }
  // Filters submit on change, so a choice takes effect without a second click.
  document.querySelectorAll(".listing-filters select").forEach(function (sel) {
    sel.addEventListener("change", function () { sel.form.submit(); });
  });
})();
