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
  var bad = document.querySelector("main [aria-invalid=true], main .is-invalid");
  if (bad && typeof bad.focus === "function") { bad.focus(); }
});
