// A job's page: move the progress bar while the worker runs it, then show the outcome.
(function () {
  "use strict";
  var card = document.getElementById("job");
  if (!card) return;
  var bar = document.getElementById("job-progress");
  var count = document.getElementById("job-count");
  var state = document.getElementById("job-state");
  var finished = false;

  function poll() {
    fetch(card.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (!body) return;
        if (body.finished) { finished = true; window.location.reload(); return; }
        state.textContent = body.status === "running" ? state.dataset.running : state.dataset.queued;
        if (body.total) {
          bar.max = body.total;
          bar.value = body.done;
          count.textContent = body.done + " / " + body.total;
        }
      })
      .catch(function () { /* a dropped poll is retried on the next one */ })
      .finally(function () { if (!finished) setTimeout(poll, 1000); });
  }

  setTimeout(poll, 500);
})();
