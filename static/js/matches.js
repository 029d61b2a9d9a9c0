// Matching engine admin page: poll the refit job and show its progress (no inline scripts: CSP).
(function () {
  "use strict";
  var box = document.getElementById("index-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var wasRunning = box.getAttribute("data-running") === "1";
  function part(name) { return box.querySelector('[data-field="' + name + '"]'); }

  function show(job) {
    if (!job) { return; }
    var running = job.status === "queued" || job.status === "running";
    box.classList.toggle("d-none", !running && !wasRunning);
    part("stage").textContent = job.stage_label || job.status_label;
    part("count").textContent = job.total ? job.done + " / " + job.total : "";
    part("bar").style.width = (job.status === "done" ? 100 : job.percent) + "%";
    part("bar").classList.toggle("bg-danger", job.status === "failed");
    if (job.status === "failed") { part("message").textContent = "重建失败：" + job.message; }
    if (job.status === "done") {
      part("message").textContent = "已完成：" + job.documents + " 篇文档，版本 " + job.version + "，页面即将刷新";
    }
    return running;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var running = show(data.job);
        if (running) { wasRunning = true; setTimeout(poll, 1000); }
        else if (wasRunning && data.job && data.job.status === "done") { setTimeout(function () { window.location.reload(); }, 1200); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }

  if (wasRunning) { poll(); }
})();
