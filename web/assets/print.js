// Print buttons of the notices and cover sheets (a script file: the pages' policy runs no inline script).
document.querySelectorAll("button[data-print]").forEach(function (b) {
  b.hidden = false;
  b.addEventListener("click", function () { window.print(); });
});
