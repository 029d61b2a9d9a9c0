// The API documentation page: Swagger UI on the platform's own OpenAPI document (no CDN, no inline script).
// Swagger UI leaves a few WCAG 2.1 AA gaps in the DOM it draws (unnamed selects and icon buttons, a code block the
// keyboard cannot scroll, a button whose name differs from its text); `mend` closes them each time it redraws.
(function () {
  var el = document.getElementById("swagger-ui");

  function name(node, label) {
    if (!node.getAttribute("aria-label")) node.setAttribute("aria-label", label);
  }

  function mend(root) {
    root.querySelectorAll("select:not([aria-label])").forEach(function (s) {
      var row = s.closest("tr[data-param-name]");
      var label = s.closest("label");
      if (!label) name(s, row ? "参数 " + row.getAttribute("data-param-name") : "选项");
    });
    root.querySelectorAll("pre:not([tabindex])").forEach(function (p) { p.setAttribute("tabindex", "0"); });
    root.querySelectorAll(".close-modal").forEach(function (b) { name(b, "关闭"); });
    root.querySelectorAll(".model-box-control").forEach(function (b) {
      if (!b.textContent.trim()) name(b, "展开或收起数据模型");
    });
    // The "Authorize" submit button carries aria-label "Apply credentials": its name must contain its text.
    root.querySelectorAll("button[aria-label]").forEach(function (b) {
      var text = b.textContent.trim();
      if (text && b.getAttribute("aria-label").indexOf(text) === -1) b.setAttribute("aria-label", text);
    });
  }

  new MutationObserver(function () { mend(el); }).observe(el, { childList: true, subtree: true });

  window.SwaggerUIBundle({
    url: el.getAttribute("data-spec-url"),
    domNode: el,
    // Without deep links an operation's path is text, not a link nested in the button that opens it.
    deepLinking: false,
    // Plain code blocks: the highlighter's colours on its dark background fall under 4.5:1.
    syntaxHighlight: false,
    persistAuthorization: false,
    validatorUrl: null,
  });
})();
