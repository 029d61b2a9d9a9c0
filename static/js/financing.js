// A refused step shown again at the address it was posted to (…/move): the address bar shows the case's own
// page instead, so that a refresh reloads the case rather than sending the step again (as brokers.js does for a pair).
(function () {
  var page = document.getElementById("page-url");
  if (page && window.history && history.replaceState) {
    history.replaceState(history.state, "", page.getAttribute("data-url"));
  }
})();
