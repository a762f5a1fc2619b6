// The workspace editor. Each text area with data-preview-path gets:
// - line numbers beside it, the lines that have a problem marked; the numbers are decoration
//   (aria-hidden): the problem list is what assistive technologies read. On a wide screen the
//   text area never wraps lines; on a phone it does (cadre.css), and each number is then as tall
//   as the rows its line takes, so that it stays beside its line;
// - a live preview: the text is sent to the server (same parser and sanitiser as the import) a
//   moment after typing stops; the returned HTML is already sanitised by the server, and a file
//   with problems still shows what can be read of it;
// - problem messages that are links: following one puts the caret at the start of its line.
// Without this script the page still works: a plain text area, messages that link to it.
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview-url]");
  if (!form) { return; }
  var url = form.getAttribute("data-preview-url");
  var token = form.querySelector("input[name=csrf_token]").value;
  var lineFormat = form.getAttribute("data-line-format") || "Line %s:";

  var sent = 0;  // the latest request per area wins, whatever order the answers come back in

  function lineCount(area) {
    return area.value.split("\n").length;
  }

  function px(value) {
    var n = parseFloat(value);
    return isNaN(n) ? 0 : n;
  }

  // The gutter: one number per line of the text, scrolled with it.
  function addGutter(area) {
    var gutter = document.createElement("div");
    gutter.className = "line-gutter";
    gutter.setAttribute("aria-hidden", "true");
    area.parentNode.insertBefore(gutter, area);
    var style = window.getComputedStyle(area);
    gutter.style.paddingTop = (px(style.paddingTop) + px(style.borderTopWidth)) + "px";
    area.gutter = gutter;
    area.marked = {};
    area.shown = 0;
    area.addEventListener("scroll", function () { gutter.scrollTop = area.scrollTop; });
    updateGutter(area);
  }

  function updateGutter(area) {
    var gutter = area.gutter;
    var count = lineCount(area);
    if (count !== area.shown) {
      var fragment = document.createDocumentFragment();
      for (var n = area.shown + 1; n <= count; n++) {
        var number = document.createElement("div");
        number.textContent = String(n);
        fragment.appendChild(number);
      }
      while (gutter.childNodes.length > count) { gutter.removeChild(gutter.lastChild); }
      gutter.appendChild(fragment);
      area.shown = count;
      markLines(area, area.marked);
    }
    scheduleFit(area);
    gutter.scrollTop = area.scrollTop;
  }

  // Measured once per frame at most, however fast the typing or the resizing.
  function scheduleFit(area) {
    if (area.fitPending) { return; }
    area.fitPending = true;
    window.requestAnimationFrame(function () {
      area.fitPending = false;
      fitRows(area);
      area.gutter.scrollTop = area.scrollTop;
    });
  }

  // Wrapped lines (a phone): each number takes the height of its line's rows, measured on a hidden
  // copy of the text laid out as the area lays it out (same width, font and wrapping).
  function fitRows(area) {
    var numbers = area.gutter.childNodes;
    var style = window.getComputedStyle(area);
    var i;
    if (style.whiteSpace !== "pre-wrap") {
      if (area.fitted) {
        for (i = 0; i < numbers.length; i++) { numbers[i].style.height = ""; }
        area.fitted = false;
      }
      return;
    }
    var mirror = area.mirror;
    if (!mirror) {
      mirror = area.mirror = document.createElement("div");
      mirror.setAttribute("aria-hidden", "true");
      mirror.style.cssText = "position:absolute;left:-9999px;top:0;visibility:hidden;" +
        "white-space:pre-wrap;overflow-wrap:anywhere;";
      document.body.appendChild(mirror);
    }
    mirror.style.width = (area.clientWidth - px(style.paddingLeft) - px(style.paddingRight)) + "px";
    // One property at a time: the "font" shorthand reads empty in some browsers.
    ["fontFamily", "fontSize", "fontWeight", "fontStyle", "lineHeight"].forEach(function (name) {
      mirror.style[name] = style[name];
    });
    mirror.style.letterSpacing = style.letterSpacing;
    mirror.style.tabSize = style.tabSize;
    var fragment = document.createDocumentFragment();
    area.value.split("\n").forEach(function (line) {
      var row = document.createElement("div");
      row.textContent = line || " ";  // an empty line is one row too
      fragment.appendChild(row);
    });
    mirror.textContent = "";
    mirror.appendChild(fragment);
    var rows = mirror.childNodes;
    for (i = 0; i < numbers.length && i < rows.length; i++) {
      numbers[i].style.height = rows[i].offsetHeight + "px";
    }
    area.fitted = true;
  }

  // Mark the lines that have a problem (marked: line number -> message).
  function markLines(area, marked) {
    area.marked = marked;
    var numbers = area.gutter.childNodes;
    for (var i = 0; i < numbers.length; i++) {
      var message = marked[i + 1];
      numbers[i].className = message ? "line-problem" : "";
      if (message) { numbers[i].title = message; } else { numbers[i].removeAttribute("title"); }
    }
  }

  // Put the caret at the start of a line and scroll the text so that the line shows.
  function goToLine(area, line) {
    var lines = area.value.split("\n");
    var target = Math.max(1, Math.min(line, lines.length));
    var offset = 0;
    for (var i = 0; i < target - 1; i++) { offset += lines[i].length + 1; }
    area.focus();
    area.setSelectionRange(offset, offset);
    var height = px(window.getComputedStyle(area).lineHeight) || 20;
    var number = area.gutter && area.gutter.childNodes[target - 1];
    var top = area.fitted && number ? number.offsetTop - area.gutter.firstChild.offsetTop : (target - 1) * height;
    area.scrollTop = Math.max(0, top - area.clientHeight / 3);
    area.scrollLeft = 0;
    if (area.gutter) { area.gutter.scrollTop = area.scrollTop; }
  }

  function problemItem(area, line, message) {
    var item = document.createElement("li");
    var link = document.createElement("a");
    link.className = "problem-link";
    link.href = "#" + area.id;
    link.setAttribute("data-line", String(line));
    link.textContent = lineFormat.replace("%s", line) + " " + message;
    item.appendChild(link);
    return item;
  }

  function show(area, data) {
    var preview = document.getElementById(area.getAttribute("data-preview-target"));
    var problems = document.getElementById(area.getAttribute("data-problems-target"));
    var status = document.getElementById(area.getAttribute("data-status-target"));
    preview.innerHTML = data.html;
    problems.textContent = "";
    var marked = {};
    data.problems.forEach(function (p) {
      problems.appendChild(problemItem(area, p.line, p.message));
      marked[p.line] = marked[p.line] ? marked[p.line] + "\n" + p.message : p.message;
    });
    markLines(area, marked);
    var broken = data.problems.length > 0;
    preview.classList.toggle("preview-has-problems", broken);
    if (status) { status.hidden = !broken; }
  }

  function render(area) {
    var mine = ++sent;
    area.setAttribute("data-request", String(mine));
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
      show(area, data);
    }).catch(function () { /* offline: keep the last preview */ });
  }

  // Any message link (problems and warnings, the server's or ours) moves the caret to its line.
  form.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.problem-link") : null;
    if (!link) { return; }
    var area = document.getElementById(link.getAttribute("href").slice(1));
    if (!area) { return; }
    event.preventDefault();
    goToLine(area, parseInt(link.getAttribute("data-line"), 10) || 1);
  });

  Array.prototype.forEach.call(form.querySelectorAll("textarea[data-preview-path]"), function (area) {
    var timer = null;
    addGutter(area);
    // The problems of the last save, until the first preview answers.
    var saved = {};
    var list = document.getElementById(area.getAttribute("data-problems-target"));
    Array.prototype.forEach.call(list.querySelectorAll("a[data-line]"), function (link) {
      saved[link.getAttribute("data-line")] = link.textContent;
    });
    markLines(area, saved);
    area.addEventListener("input", function () {
      updateGutter(area);
      clearTimeout(timer);
      timer = setTimeout(function () { render(area); }, 300);
    });
    if (area.value.trim()) { render(area); }
  });

  // Arriving from a message on the draft's page (?line=N#text): the caret goes to that line.
  var asked = parseInt(new URLSearchParams(window.location.search).get("line"), 10);
  var target = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
  if (asked > 0 && target && target.gutter) { goToLine(target, asked); }

  // The text box may change size (the window, or its resize handle): keep the numbers aligned.
  window.addEventListener("resize", function () {
    Array.prototype.forEach.call(form.querySelectorAll("textarea[data-preview-path]"), updateGutter);
  });
}());
