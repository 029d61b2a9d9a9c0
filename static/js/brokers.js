// Brokers' pages: a reject or decline note becomes required when the reason is "other".
(function () {
  function sync(select) {
    var form = select.form;
    var note = form && form.querySelector("[name=note]");
    if (!note) { return; }
    var other = select.value === "other";
    note.required = other;
    note.placeholder = other ? "请填写说明（必填）" : note.getAttribute("data-placeholder") || note.placeholder;
  }
  document.querySelectorAll("select[name=reason]").forEach(function (select) {
    var note = select.form && select.form.querySelector("[name=note]");
    if (note) { note.setAttribute("data-placeholder", note.placeholder); }
    select.addEventListener("change", function () { sync(select); });
  });
})();
