// Organisation fields (新建账号, 登记走访, 合同的委托方/受托方): an input with data-lookup-url gets suggestions from the server as one types, into its
// <datalist> (at most 20 at a time, so thousands of organisations never load into the page). The chosen
// text is checked again on the server; without scripts the field still takes an exact name.
(function () {
  document.querySelectorAll("input[data-lookup-url]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var status = document.getElementById(input.getAttribute("data-lookup-status"));
    var role = document.getElementById(input.getAttribute("data-lookup-role"));
    if (!list) { return; }
    var timer = null, asked = null, seq = 0;
    function fill(items, more) {
      list.replaceChildren.apply(list, items.map(function (o) {
        var opt = document.createElement("option");
        opt.value = o.name;
        opt.textContent = o.kind_label;
        return opt;
      }));
      if (status) {
        status.textContent = items.length
          ? "找到 " + items.length + (more ? " 个以上" : " 个") + "单位，可用上下方向键选择" + (more ? "；继续输入可缩小范围" : "")
          : "没有名称含此文字的单位";
      }
    }
    function lookup() {
      var q = input.value.trim();
      var key = q + "\u0000" + (role ? role.value : "");
      if (key === asked) { return; }
      asked = key;
      var mine = ++seq;
      var url = new URL(input.getAttribute("data-lookup-url"), window.location.href);
      url.searchParams.set("q", q);
      if (role) { url.searchParams.set("role", role.value); }
      fetch(url.toString(), { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) {
          // An expired login answers with the login page (redirected, HTML): say so instead of going quiet.
          var json = (r.headers.get("Content-Type") || "").indexOf("application/json") === 0;
          return r.ok && json && !r.redirected ? r.json() : Promise.reject(r.status);
        })
        .then(function (data) { if (mine === seq) { fill(data.items, data.more); } })
        .catch(function () {
          asked = null;
          if (status && mine === seq) {
            status.textContent = "暂时无法获取单位建议（登录可能已过期）：可直接输入完整名称，或刷新页面重新登录";
          }
        });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookup, 200);
    });
    input.addEventListener("focus", lookup);
    // Another role offers other kinds of organisation: the list shown is looked up again (it kept offering
    // enterprises to a researcher until something was typed).
    if (role) {
      role.addEventListener("change", function () {
        asked = null;
        if (input.value.trim()) { lookup(); } else { list.replaceChildren(); }
      });
    }
  });
})();
