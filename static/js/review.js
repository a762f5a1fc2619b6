// The reading page: "Quote the selection" copies the words selected in the button's module into
// the comment's passage field. The last selection made in each module is remembered, as a tap on
// a touch screen clears the selection before the button hears it. Without JavaScript the field is
// typed or pasted into, as any other.
(function () {
  "use strict";
  var MAX = 300; // as comments.MAX_QUOTE
  var remembered = new Map(); // module section -> the last words selected in it

  function sectionOf(node) {
    var element = node && (node.nodeType === 1 ? node : node.parentElement);
    return element ? element.closest(".read-module") : null;
  }

  function selected() {
    var selection = window.getSelection ? window.getSelection() : null;
    if (!selection || selection.isCollapsed) { return null; }
    var section = sectionOf(selection.anchorNode);
    if (!section || section !== sectionOf(selection.focusNode)) { return null; }
    if (section.querySelector(".comment-form") && section.querySelector(".comment-form").contains(selection.anchorNode)) {
      return null; // words typed in the form are not a passage of the module
    }
    return { section: section, text: String(selection).replace(/\s+/g, " ").trim() };
  }

  document.addEventListener("selectionchange", function () {
    var found = selected();
    if (found && found.text) { remembered.set(found.section, found.text); }
  });

  document.querySelectorAll("button[data-quote-into]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-quote-into"));
    var section = button.closest(".read-module");
    if (!field || !section) { return; }
    button.hidden = false;
    // A press on the button must not lose the selection it is about to read.
    button.addEventListener("mousedown", function (event) { event.preventDefault(); });
    var status = document.getElementById(field.id + "-status");
    button.addEventListener("click", function () {
      var found = selected();
      var text = found && found.section === section ? found.text : remembered.get(section);
      if (status) { status.textContent = text ? "" : button.getAttribute("data-nothing-selected"); }
      if (text) {
        var chars = Array.from(text);  // as Python counts: an emoji is not split in two
        field.value = chars.length > MAX ? chars.slice(0, MAX).join("") : text;
        field.dispatchEvent(new Event("input", { bubbles: true }));  // its count (forms.js) follows
        field.focus();
      }
    });
  });
})();

// A notification leads to a comment (#comment-12): when it is among the resolved ones, folded away,
// unfold them so that the browser can show it.
(function () {
  "use strict";
  function reveal() {
    var target = window.location.hash && document.getElementById(window.location.hash.slice(1));
    var folded = target && target.closest("details:not([open])");
    if (folded) {
      folded.open = true;
      target.scrollIntoView();
    }
  }
  reveal();
  window.addEventListener("hashchange", reveal);
}());
