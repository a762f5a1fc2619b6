// Live preview for the workspace editor: each text area with data-preview-path is sent to the
// server (same parser and sanitiser as the import) a moment after typing stops; the returned
// HTML is already sanitised by the server, and problems are shown with their line numbers.
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview-url]");
  if (!form) { return; }
  var url = form.getAttribute("data-preview-url");
  var token = form.querySelector("input[name=csrf_token]").value;
  var lineFormat = form.getAttribute("data-line-format") || "Line %s:";

  var sent = 0;  // the latest request per area wins, whatever order the answers come back in

  function render(area) {
    var mine = ++sent;
    area.setAttribute("data-request", String(mine));
    var preview = document.getElementById(area.getAttribute("data-preview-target"));
    var problems = document.getElementById(area.getAttribute("data-problems-target"));
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ path: area.getAttribute("data-preview-path"), text: area.value })
    }).then(function (response) {
      // 503: the server is busy with other previews; 429: too many previews. Both answer with a
      // message to show, and the last preview stays as it was.
      if (response.ok || response.status === 503 || response.status === 429) {
        return response.json().then(function (data) { data.keep = !response.ok; return data; });
      }
      return null;
    }).then(function (data) {
      if (!data || area.getAttribute("data-request") !== String(mine)) { return; }
      if (data.keep) {
        problems.textContent = "";
        var notice = document.createElement("li");
        notice.textContent = data.problems ? data.problems[0].message : data.error + " " + data.retry;
        problems.appendChild(notice);
        return;
      }
      preview.innerHTML = data.html;
      problems.textContent = "";
      data.problems.forEach(function (p) {
        var item = document.createElement("li");
        item.textContent = lineFormat.replace("%s", p.line) + " " + p.message;
        problems.appendChild(item);
      });
    }).catch(function () { /* offline: keep the last preview */ });
  }

  Array.prototype.forEach.call(form.querySelectorAll("textarea[data-preview-path]"), function (area) {
    var timer = null;
    area.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { render(area); }, 500);
    });
    if (area.value.trim()) { render(area); }
  });
}());
