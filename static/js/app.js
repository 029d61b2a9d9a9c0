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
  if (bad && typeof bad.focus === "function") { bad.focus(); return; }
  // A save refused because someone saved the record meanwhile (409, what was typed shown again, no field wrong):
  // the focus goes to the message saying so (or, without one, to the table of differences), not the page's body.
  // Likewise any refusal answered in place (409: a pair's 采纳 after another broker's, …), its flashed message
  // the only thing to hear.
  var nav = window.performance && performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
  var refused = nav && nav.responseStatus >= 400;
  if (refused || document.querySelector("main [data-stale-refused]")) {
    var said = document.querySelector("main .alert-danger[tabindex]") ||
      document.querySelector("main #stale-differences, main #stale-changes");
    if (said) {
      if (!said.hasAttribute("tabindex")) { said.setAttribute("tabindex", "-1"); }
      said.focus();
    }
  }
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

// The 适老化模式 switch reloads the page (the server lays some parts out differently in it), and a page shown
// after a refused form goes back to the page the form was sent from: what the page's forms hold is kept in
// this tab for the page the switch returns to and put back into its forms sent to the same address, so
// nothing typed is lost. Passwords and files are never kept, nor a form's fresh keys (its CSRF token, its
// one-time submission key); its other hidden fields are (the version or status the page was made from), so that
// what was typed is still checked against what it was typed on when sent (a save meanwhile is not overwritten).
(function () {
  var KEY = "mm-elder-typed";
  var FRESH = ["csrf_token", "submission_key"];
  var toggle = document.getElementById("elder-toggle");
  var switchForm = toggle && toggle.form;
  function kept(el) {
    return el.name && FRESH.indexOf(el.name) < 0 && !el.disabled && !/^(password|file|submit|button|reset|image)$/.test(el.type);
  }
  function fields(form, each) {  // each(element, its position among the form's fields of its name)
    var seen = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!kept(el)) { return; }
      seen[el.name] = (seen[el.name] || 0) + 1;
      each(el, seen[el.name] - 1);
    });
  }
  function valueOf(el) {
    if (el.type === "checkbox" || el.type === "radio") { return el.checked; }
    if (el.tagName === "SELECT") { return Array.prototype.map.call(el.selectedOptions, function (o) { return o.value; }); }
    return el.value;
  }
  function put(el, value) {
    if (el.type === "checkbox" || el.type === "radio") {
      if (el.checked === value) { return; }
      el.checked = value;
    } else if (el.tagName === "SELECT") {
      if (valueOf(el).join("\n") === value.join("\n")) { return; }
      Array.prototype.forEach.call(el.options, function (o) { o.selected = value.indexOf(o.value) >= 0; });
    } else {
      if (el.value === value) { return; }
      el.value = value;
    }
    el.dispatchEvent(new Event("input", { bubbles: true }));  // counters and look-ups follow what was put back
    el.dispatchEvent(new Event("change", { bubbles: true }));
  }
  function others() {
    return Array.prototype.filter.call(document.forms, function (f) { return f !== switchForm; });
  }
  function sentTo(form) {  // read from the attributes: a field named "action" hides form.action
    return (form.getAttribute("method") || "get").toLowerCase() + " " + new URL(form.getAttribute("action") || "", location.href).href;
  }
  function keyOf(form, k, all) {  // where it is sent, and which of the page's forms sent there it is
    var to = sentTo(form);
    return to + " " + all.slice(0, k).filter(function (f) { return sentTo(f) === to; }).length;
  }
  if (switchForm) {
    switchForm.addEventListener("submit", function () {
      var forms = [];
      others().forEach(function (form, k, all) {
        var values = [];
        fields(form, function (el, i) { values.push([el.name, i, valueOf(el)]); });
        if (values.length) { forms.push({ key: keyOf(form, k, all), values: values }); }
      });
      try {
        var next = switchForm.elements.next ? new URL(switchForm.elements.next.value, location.href).href : location.href;
        sessionStorage.setItem(KEY, JSON.stringify({ next: next, at: Date.now(), forms: forms }));
      } catch (e) { /* storage off or full: the switch works, the typing is not kept */ }
    });
  }
  var saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
    sessionStorage.removeItem(KEY);
  } catch (e) { saved = null; }
  // Only on the page the switch went back to, right after it (not on a later visit of a page with the same form).
  if (!saved || saved.next !== location.href || Date.now() - saved.at > 60000) { return; }
  var byKey = {};
  others().forEach(function (form, k, all) { byKey[keyOf(form, k, all)] = form; });
  saved.forms.forEach(function (entry) {
    var form = byKey[entry.key];
    if (!form) { return; }
    var at = {};
    fields(form, function (el, i) { at[el.name + "\n" + i] = el; });
    entry.values.forEach(function (v) {
      var el = at[v[0] + "\n" + v[1]];
      if (el) { put(el, v[2]); }
    });
  });
})();

// 后退 to a form already sent (a new event, a contract…): the browser puts back what was typed, but the page is
// fetched afresh (no-store) with a new one-time submission key, so sending it again made a second row. The key a
// form was sent with is kept in this tab and put back into that form when its page is reached by 后退 or 前进:
// sent again as it was, the form is answered with what the first submit made, as a double click is; sent with
// other values (changed to make another row), it is shown again with a message and a fresh key (utils/once.py).
(function () {
  var KEY = "mm-sent-keys";
  function sentKeys() {
    try { return JSON.parse(sessionStorage.getItem(KEY) || "{}") || {}; } catch (e) { return {}; }
  }
  function slot(form) {  // the page and where the form is sent (read from the attribute: a field may be named "action")
    return location.href + " " + new URL(form.getAttribute("action") || "", location.href).href;
  }
  document.addEventListener("submit", function (ev) {
    var field = ev.target.querySelector("input[name=submission_key]");
    if (ev.defaultPrevented || !field || !field.value) { return; }
    var keys = sentKeys();
    keys[slot(ev.target)] = field.value;
    try { sessionStorage.setItem(KEY, JSON.stringify(keys)); } catch (e) { /* storage off or full: as before */ }
  });
  var nav = window.performance && performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
  if (!nav || nav.type !== "back_forward") { return; }
  var keys = sentKeys();
  Array.prototype.forEach.call(document.forms, function (form) {
    var field = form.querySelector("input[name=submission_key]");
    if (field && keys[slot(form)]) { field.value = keys[slot(form)]; }
  });
})();

// A refused form shown again at the address it was posted to (a pair's …/follow-ups, a financing case's …/move): a
// page marks its own address with #page-url, and the address bar shows it instead, so that a refresh reloads the
// page rather than sending the form again.
(function () {
  var page = document.getElementById("page-url");
  if (page && window.history && history.replaceState) {
    history.replaceState(history.state, "", page.getAttribute("data-url"));
  }
})();

// A box's hint (its placeholder: 输入技术难题、产品或关键词，如：锂电池 热管理) too long for the box is shown whole under it
// instead of cut off inside it (a phone showed 输入技术难题、产, 适老化模式 less), tied to the box by aria-describedby;
// when the box is wide enough again (a turned phone, a wider window) the hint goes back inside it.
(function () {
  var measure = document.createElement("canvas").getContext("2d");
  var boxes = document.querySelectorAll("main input[placeholder]:is([type=text], [type=search], [type=email], [type=tel], [type=url], [type=number], :not([type]))");
  var count = 0;
  function room(box) {
    var s = getComputedStyle(box);
    return box.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
  }
  function fits(box, text) {
    var s = getComputedStyle(box);
    measure.font = s.fontStyle + " " + s.fontWeight + " " + s.fontSize + " " + s.fontFamily;
    return measure.measureText(text).width <= room(box);
  }
  function place(box) {
    var text = box.getAttribute("data-mm-hint") || box.getAttribute("placeholder");
    if (!text || !box.offsetParent) { return; }  // a folded filter is measured when it shows
    var hint = box.mmHint;
    if (fits(box, text)) {
      if (hint) {
        box.setAttribute("placeholder", text);
        box.setAttribute("aria-describedby", (box.getAttribute("aria-describedby") || "").split(" ")
          .filter(function (id) { return id && id !== hint.id; }).join(" "));
        if (!box.getAttribute("aria-describedby")) { box.removeAttribute("aria-describedby"); }
        hint.remove();
        box.mmHint = null;
      }
      return;
    }
    var anchor = box.closest(".input-group") || box;
    // A box in a row of boxes and buttons (a flex row: 撤销原因 beside 撤销) keeps its hint: a line under it would be
    // set beside it, squeezing it further.
    var around = getComputedStyle(anchor.parentElement);
    if (hint || /grid/.test(around.display) || (/flex/.test(around.display) && !/column/.test(around.flexDirection))) { return; }
    hint = document.createElement("div");
    hint.className = "form-text mm-hint";
    hint.id = "mm-hint-" + (++count);
    hint.textContent = text;
    box.setAttribute("data-mm-hint", text);
    box.setAttribute("placeholder", "");
    box.setAttribute("aria-describedby", ((box.getAttribute("aria-describedby") || "") + " " + hint.id).trim());
    anchor.insertAdjacentElement("afterend", hint);
    box.mmHint = hint;
  }
  function all() { Array.prototype.forEach.call(boxes, place); }
  all();
  window.addEventListener("resize", all);
  document.addEventListener("click", function (ev) {  // a fold of filters opened (.mm-more-toggle): its boxes show now
    if (ev.target.closest && ev.target.closest(".mm-more-toggle")) { setTimeout(all, 0); }
  });
})();
