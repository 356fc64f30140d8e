// Copy buttons for indicators. Without JavaScript the values stay in read-only fields
// that can be selected and copied by hand, and the buttons stay hidden.
(function () {
  "use strict";
  if (!navigator.clipboard) { return; }
  document.querySelectorAll(".copy-button").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.dataset.copy).then(function () {
        button.setAttribute("aria-live", "polite");
        button.textContent = "✓";
      });
    });
  });
}());
