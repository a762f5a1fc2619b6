// After a form comes back with errors, focus goes to its error summary (a screen reader reads
// it, a keyboard user starts there), and each entry of the summary moves focus to its field.
(function () {
  "use strict";
  var summary = document.querySelector("[data-focus-first]");
  if (!summary) { return; }
  summary.focus();
  // A form posted to an address with a fragment (#add-module) comes back there: the browser's move
  // to it, once the page is loaded, takes the focus away again. Give it back.
  if (window.location.hash) {
    window.addEventListener("load", function () { summary.focus(); });
  }
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var target = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!target) { return; }
    event.preventDefault();
    // A question's legend is not focusable: focus its first choice instead. A group that can take
    // the focus itself (a fieldset with tabindex="-1") takes it.
    var field = target.matches("input, select, textarea, button, [tabindex]") ? target :
      target.parentElement.querySelector("input:not([type=hidden]), select, textarea");
    (field || target).focus();
    (field || target).scrollIntoView({ block: "center" });
  });
}());

// A form that destroys something asks first, saying what will happen (data-confirm). A form
// sent once is not sent again by a second click while its answer is on the way (a double click
// would otherwise post the same comment twice); after a few seconds, or coming back to the page,
// it can be sent again (a download does not leave the page).
// Before that, a field the browser cannot read (a date picker half filled in, letters in a number)
// stops the form with a word under it: the browser would send it empty, read as "no due date".
(function () {
  "use strict";
  var WAIT_MS = 8000;
  var labels = document.body.dataset;
  var DATES = ["date", "datetime-local", "time", "month", "week"];
  function unreadable(field) {
    var id = field.id + "-unreadable";
    var said = document.getElementById(id);
    if (!said) {
      said = document.createElement("p");
      said.className = "error";
      said.id = id;
      field.insertAdjacentElement("afterend", said);
      field.setAttribute("aria-describedby", ((field.getAttribute("aria-describedby") || "") + " " + id).trim());
      field.addEventListener("input", function () {
        if (field.validity.badInput) { return; }
        said.remove();
        field.removeAttribute("aria-invalid");
        field.setAttribute("aria-describedby", field.getAttribute("aria-describedby").replace(id, "").trim());
      });
    }
    said.textContent = DATES.indexOf(field.type) >= 0 ? labels.incompleteDate : labels.unreadableNumber;
    field.setAttribute("aria-invalid", "true");
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(event.submitter && event.submitter.formNoValidate)) {
      var bad = Array.prototype.filter.call(form.elements, function (f) { return f.validity && f.validity.badInput && f.id; });
      if (bad.length && labels.incompleteDate) {
        event.preventDefault();
        bad.forEach(unreadable);
        bad[0].focus();
        return;
      }
    }
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); return; }
    if ((form.getAttribute("method") || "").toLowerCase() !== "post") { return; }
    var sent = Number(form.getAttribute("data-sent-at") || 0);
    if (Date.now() - sent < WAIT_MS) { event.preventDefault(); return; }
    form.setAttribute("data-sent-at", String(Date.now()));
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sent-at]").forEach(function (form) {
      form.removeAttribute("data-sent-at");
    });
  });
}());

// A page reached at an anchor after a form (#assigned-heading) opens scrolled down, away from the
// message saying what was done (a11y walk): the message moves to just above the anchor, and takes
// the focus once the browser has scrolled, so that it is seen and a screen reader reads it.
(function () {
  "use strict";
  var flashes = document.querySelector("main .flashes");
  var target = null;
  try {
    target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
  } catch (error) { return; }  // "#%" is no element's id
  // Only above a heading, a section or a comment: a field (the editor's #quiz) keeps its caret.
  var spot = target && target.closest("main") && !target.matches("main, form, label, input, textarea, select, button");
  if (!flashes || !spot || document.querySelector("[data-focus-first]")) { return; }
  if (target.matches("li")) {  // a comment of a list
    target.insertAdjacentElement("afterbegin", flashes);
  } else {
    (target.closest("table") || target).insertAdjacentElement("beforebegin", flashes);
  }
  flashes.setAttribute("tabindex", "-1");
  window.addEventListener("load", function () { flashes.focus(); });
}());

// A link that led back to its own page (a table's column sorted) takes the focus again once the
// page is back: a keyboard or a screen reader goes on from where it was, not from the top.
(function () {
  "use strict";
  var back = document.querySelector("[data-focus-on-return]");
  var from = document.referrer && new URL(document.referrer);
  if (!back || !from || from.origin !== location.origin || from.pathname !== location.pathname) { return; }
  window.addEventListener("load", function () { back.focus(); });  // not on a bookmark, nor from elsewhere
}());

// A table or code block wider than the screen scrolls inside itself; a keyboard must reach it
// (WCAG 2.1.1), so it is a tab stop while, and only while, it overflows. A table's scrolling frame
// is one from the start (tabindex="0" in its template, for a browser without scripts).
(function () {
  "use strict";
  document.querySelectorAll("main .table-scroll[tabindex]").forEach(function (box) {
    box.setAttribute("data-scroll-stop", "");
  });
  function markScrollers() {
    document.querySelectorAll("main table, main pre, main .table-scroll").forEach(function (box) {
      var overflows = box.scrollWidth > box.clientWidth + 1;
      if (overflows && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-scroll-stop", "");
      } else if (!overflows && box.hasAttribute("data-scroll-stop")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-scroll-stop");
      }
    });
  }
  // A column that stays in view while its table scrolls (the students' names) would hide a link
  // focused under it (a11y walk, WCAG 2.4.11): the table scrolls on until the link is clear of it.
  document.addEventListener("focusin", function (event) {
    var cell = event.target.closest("td, th");  // not the frame itself, which a click focuses
    var box = cell && cell.closest(".table-scroll");
    var stuck = box && !cell.matches("tr > :first-child") && box.querySelector("tr > :first-child");
    if (!stuck || window.getComputedStyle(stuck).position !== "sticky") { return; }
    var hidden = stuck.getBoundingClientRect().right - event.target.getBoundingClientRect().left;
    if (hidden > 0) { box.scrollLeft -= hidden + 8; }
  });
  markScrollers();
  window.addEventListener("resize", markScrollers);  // a phone turned sideways, a window resized
}());

// A link or address to hand on (a class's join link, an invitation, the LTI tool's URLs) gets a
// button that copies it; it says so in a status message a screen reader reads out.
(function () {
  "use strict";
  var labels = document.body.dataset;
  function nameOf(field) {
    if (field.labels && field.labels.length) { return field.labels[0].textContent.trim(); }
    var by = field.getAttribute("aria-labelledby");
    var label = by && document.getElementById(by);
    return label ? label.textContent.trim() : (field.getAttribute("aria-label") || "");
  }
  function copy(field) {
    if (navigator.clipboard && window.isSecureContext) { return navigator.clipboard.writeText(field.value); }
    field.select();  // an older browser, or a page not served over https
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }
  document.querySelectorAll("input.copy-field").forEach(function (field) {
    var button = document.createElement("button");
    var status = document.createElement("span");
    var name = nameOf(field);
    button.type = "button";
    button.className = "button button-small button-secondary copy-button";
    button.textContent = labels.copy;
    if (name) { button.setAttribute("aria-label", labels.copyNamed.replace("{name}", name)); }
    status.setAttribute("role", "status");
    status.className = "copy-status";
    button.addEventListener("click", function () {
      copy(field).then(function () {
        status.textContent = labels.copied;
        window.setTimeout(function () { status.textContent = ""; }, 4000);
      }, function () {
        field.select();
        status.textContent = labels.copyRefused;
      });
    });
    field.insertAdjacentElement("afterend", status);
    field.insertAdjacentElement("afterend", button);
  });
}());

// A box of options folded on a phone (data-open-wide) starts open on a wider screen, where it
// does not push the page's content out of sight.
(function () {
  "use strict";
  if (!window.matchMedia("(min-width: 48rem)").matches) { return; }
  document.querySelectorAll("details[data-open-wide]").forEach(function (box) { box.open = true; });
}());

// Ticking one of a fieldset's boxes (data-ticks-choose="radio id") chooses the radio button its
// boxes belong to ("Chosen modules" when assigning): ticks are not silently ignored.
document.addEventListener("change", function (event) {
  "use strict";
  var box = event.target;
  var group = box.checked && box.type === "checkbox" && box.closest("[data-ticks-choose]");
  var radio = group && document.getElementById(group.getAttribute("data-ticks-choose"));
  if (radio) { radio.checked = true; }
});

// A short name is suggested from the title until the person types one of their own
// (data-slug-from="the title field's id"): lower case, no accents, words joined by hyphens.
(function () {
  "use strict";
  function slugify(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/œ/g, "oe").replace(/æ/g, "ae").replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "").slice(0, 60).replace(/-+$/, "");
  }
  document.querySelectorAll("input[data-slug-from]").forEach(function (slug) {
    var title = document.getElementById(slug.getAttribute("data-slug-from"));
    if (!title) { return; }
    var suggesting = slug.value === "";
    slug.addEventListener("input", function () { suggesting = slug.value === ""; });
    title.addEventListener("input", function () {
      if (suggesting) { slug.value = slugify(title.value); }
    });
  });
}());

// A form's length limit (the maxlength its Length rule gives a field) is told, not enforced by
// cutting: the browser drops what is pasted beyond it without a word. Under a text area the
// limit is said (« Jusqu'à 2 000 caractères. »); from three quarters of it, under any field, what
// is left, and under a text area what is too many, which the server refuses with the text kept.
// A one-line field keeps its maxlength: some forms answer a refusal with a redirect, and a name
// cut at the limit is seen whole, with « 0 caractère restant » under it. A screen reader hears the
// count once typing pauses. Characters are counted as Python counts them (code points), a line
// break as one (app.forms.one_line_break).
(function () {
  "use strict";
  var labels = document.body.dataset;
  var lang = document.documentElement.lang || "fr";
  var plural = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang) : null;
  function say(n, key) {
    var words = plural && plural.select(n) === "one" ? labels[key + "One"] : labels[key + "Other"];
    return words.replace("{n}", n.toLocaleString(lang));
  }
  if (!labels.charsUpTo) { return; }  // a page without base.html's words
  var fields = "form[method=post] textarea[maxlength], form[method=post] input[maxlength]";
  document.querySelectorAll(fields).forEach(function (field) {
    var limit = Number(field.getAttribute("maxlength"));
    if (!limit || !field.id || field.type === "hidden" || field.readOnly) { return; }
    var upTo = field.tagName === "TEXTAREA" && limit <= 10000 ?
      labels.charsUpTo.replace("{n}", limit.toLocaleString(lang)) : "";
    var shown = document.createElement("p");  // seen; a screen reader hears the two below
    var heard = document.createElement("span");
    var pause;
    shown.className = "hint char-count";
    shown.setAttribute("aria-hidden", "true");
    heard.className = "visually-hidden";
    heard.setAttribute("role", "status");
    if (upTo) {
      var limitNote = document.createElement("span");
      limitNote.id = field.id + "-limit";
      limitNote.className = "visually-hidden";
      limitNote.textContent = upTo;
      field.insertAdjacentElement("afterend", limitNote);
      field.setAttribute("aria-describedby", ((field.getAttribute("aria-describedby") || "") + " " + limitNote.id).trim());
    }
    field.insertAdjacentElement("afterend", heard);
    field.insertAdjacentElement("afterend", shown);
    if (field.tagName === "TEXTAREA") { field.removeAttribute("maxlength"); }
    function update(announce) {
      // UTF-16 units are never fewer than code points: far from the limit, no need to count them.
      var used = field.value.length < limit * 0.75 ? field.value.length : Array.from(field.value).length;
      var over = used > limit;
      var words = over ? say(used - limit, "charsOver") : used >= limit * 0.75 ? say(limit - used, "charsLeft") : "";
      shown.textContent = words || upTo;
      shown.hidden = !shown.textContent;
      shown.classList.toggle("char-count-over", over);
      field.classList.toggle("field-over", over);
      window.clearTimeout(pause);
      if (announce) { pause = window.setTimeout(function () { heard.textContent = words; }, 1000); }
    }
    field.addEventListener("input", function (event) { update(!event.isComposing); });
    update(false);
  });
}());

// A form holding a person's writing (data-warn-unsaved: the course editor's pages) asks before the
// page is left with changes not saved: a link followed, the tab closed, another form sent (adding
// an image). The browser words the question itself. Sending the form itself never asks.
// data-warn-unsaved="refused": the page came back from a save the server refused, so what it
// shows is not saved yet, changed or not.
(function () {
  "use strict";
  function state(form) {
    var fields = form.querySelectorAll("textarea, select, input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=file])");
    return Array.prototype.map.call(fields, function (field) {
      return field.type === "checkbox" || field.type === "radio" ? String(field.checked) : field.value;
    }).join("\u0000");
  }
  var forms = Array.prototype.map.call(document.querySelectorAll("form[data-warn-unsaved]"), function (form) {
    var refused = form.getAttribute("data-warn-unsaved") === "refused";
    return { form: form, saved: refused ? null : state(form), sending: false };
  });
  if (!forms.length) { return; }
  // Heard last, on the window: a send stopped on the way (an unreadable date, a second click, a
  // question answered « Cancel ») has been prevented by then, and leaves the page guarded.
  window.addEventListener("submit", function (event) {
    if (event.defaultPrevented) { return; }
    forms.forEach(function (watched) {
      if (watched.form === event.target) { watched.sending = true; }
    });
  });
  // Back on the page from the browser's history, its own form may be sent again with a question.
  window.addEventListener("pageshow", function () {
    forms.forEach(function (watched) { watched.sending = false; });
  });
  window.addEventListener("beforeunload", function (event) {
    var changed = forms.some(function (watched) {
      return !watched.sending && (watched.saved === null || state(watched.form) !== watched.saved);
    });
    if (changed) {
      event.preventDefault();
      event.returnValue = "";  // older browsers ask only when a value is set
    }
  });
}());
