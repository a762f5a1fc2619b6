// The deep-linking answer goes back to the platform at once: the teacher already chose.
// Without JavaScript the page's button does the same.
document.querySelectorAll("form[data-auto-submit]").forEach(function (form) {
  form.submit();
});
