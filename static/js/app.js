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
