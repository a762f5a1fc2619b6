// The reading page: "Quote the selection" copies the words selected on the page into the
// comment's passage field. Without JavaScript the field is typed or pasted into, as any other.
(function () {
  "use strict";
  var MAX = 300; // as comments.MAX_QUOTE
  document.querySelectorAll("button[data-quote-into]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-quote-into"));
    if (!field) { return; }
    button.hidden = false;
    // A press on the button must not lose the selection it is about to read.
    button.addEventListener("mousedown", function (event) { event.preventDefault(); });
    button.addEventListener("click", function () {
      var text = String(window.getSelection ? window.getSelection() : "").replace(/\s+/g, " ").trim();
      if (!text) {
        field.focus();
        return;
      }
      field.value = text.length > MAX ? text.slice(0, MAX) : text;
      field.focus();
    });
  });
})();
