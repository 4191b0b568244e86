// On every page: when a form came back refused, focus moves to the summary of its problems
// (each a link to its field), so that keyboard and screen-reader users start there rather
// than at the top of the page. Without JavaScript the summary is still the first thing in
// the page's content.
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary[tabindex='-1']");
  if (summary && summary.getAttribute("data-focus") !== "no") {
    summary.focus();
  }
})();
