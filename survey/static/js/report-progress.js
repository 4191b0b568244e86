// The progress page of a report or of a cycle's export: asks the server where the file
// stands every few seconds and says so in a live region. Once the file is ready, a report's
// download starts; an export's page (data-start-download="no") shows its link, the live
// region having said it is ready. Without JavaScript the page refreshes itself (a
// <meta http-equiv="refresh">).
(function () {
  "use strict";
  var box = document.getElementById("report-progress");
  if (!box) { return; }
  var message = document.getElementById("report-progress-message");
  var link = document.getElementById("report-progress-link");
  var bar = box.querySelector("progress");
  var url = box.getAttribute("data-status-url");
  var interval = parseInt(box.getAttribute("data-interval"), 10) || 3000;
  var startDownload = box.getAttribute("data-start-download") !== "no";
  var failures = 0;

  function show(text) {
    if (text && message.textContent !== text) { message.textContent = text; }
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (reply) {
        if (!reply.ok) { throw new Error("HTTP " + reply.status); }
        return reply.json();
      })
      .then(function (state) {
        failures = 0;
        show(state.message);
        if (state.status === "ready") {
          if (bar) { bar.hidden = true; }
          var anchor = link.querySelector("a");
          if (anchor && state.download_url) { anchor.href = state.download_url; }
          link.hidden = false;
          if (startDownload) { window.location.assign(state.download_url); }
        } else if (state.status === "failed" || state.status === "missing") {
          // The server-side page has the retry button and the reference, or asks again.
          window.location.reload();
        } else {
          window.setTimeout(poll, interval);
        }
      })
      .catch(function () {
        failures += 1;
        window.setTimeout(poll, Math.min(interval * (failures + 1), 30000));
      });
  }

  if (bar) { window.setTimeout(poll, interval); }
}());
