// An uploaded package's import (app/publishing/imports.py): ask where it stands and show it; once
// it has finished, load the page again, which then shows the draft or the problems. An answer that
// is not the import's status (the session ended, the import is gone) also loads the page again, so
// the server says what happened. Only a change of step is announced to screen readers, not every
// image. Without this script the page has a link that does the same by hand.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("import-bar");
  var step = document.getElementById("import-step");
  var announce = document.getElementById("import-announce");
  var stage = box.getAttribute("data-stage");
  var delay = 1000;

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" }, redirect: "manual" })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (response.status >= 400 && response.status < 500 || response.type === "opaqueredirect" ||
            (response.ok && !json)) {
          window.location.reload();
          return null;
        }
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (status) {
        if (status === null) { return; }
        if (status.finished) { window.location.reload(); return; }
        bar.value = status.percent;
        bar.textContent = status.percent + " %";
        step.textContent = status.step;
        if (status.stage !== stage) { stage = status.stage; announce.textContent = status.step; }
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
