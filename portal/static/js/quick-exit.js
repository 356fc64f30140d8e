// Quick exit: leave for a neutral site without leaving this page in the history.
// Without JavaScript the link still works as a normal link.
(function () {
  "use strict";
  function leave(href) {
    try { document.body.innerHTML = ""; document.title = ""; } catch (e) { /* ignore */ }
    window.location.replace(href);
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-quick-exit]");
    if (!link) { return; }
    event.preventDefault();
    leave(link.href);
  });
  var lastEscape = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var now = Date.now();
    if (now - lastEscape < 800) {
      var link = document.querySelector("[data-quick-exit]");
      if (link) { leave(link.href); }
    }
    lastEscape = now;
  });
}());
