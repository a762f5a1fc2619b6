// An uploaded package's import (app/publishing/imports.py): ask where it stands every second and
// show it; once it has finished, load the page again, which then shows the draft or the problems.
// Without this script the page has a link that does the same by hand.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("import-bar");
  var step = document.getElementById("import-step");
  var delay = 1000;

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (status) {
        if (status.finished) { window.location.reload(); return; }
        bar.value = status.percent;
        bar.textContent = status.percent + " %";
        if (step.textContent !== status.step) { step.textContent = status.step; }
        delay = 1000;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 30000);  // the server is busy or away: ask less often
        window.setTimeout(poll, delay);
      });
  }
  window.setTimeout(poll, delay);
})();
