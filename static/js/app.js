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
