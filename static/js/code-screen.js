// One-time code screen: count down to expiry and poll until the customer scans it.
(function () {
  "use strict";
  var screen = document.getElementById("code-screen");
  if (!screen) return;
  var statusUrl = screen.dataset.statusUrl;
  var deadline = Date.now() + Number(screen.dataset.secondsLeft) * 1000;
  var countdown = document.getElementById("countdown");
  var refusal = document.getElementById("refusal");

  function show(status) {
    screen.dataset.status = status;
    if (status !== "active") document.body.classList.add("code-done");
  }

  function tick() {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    var minutes = Math.floor(left / 60);
    var seconds = String(left % 60).padStart(2, "0");
    countdown.textContent = minutes + ":" + seconds;
    if (left === 0 && screen.dataset.status === "active") show("expired");
  }

  function poll() {
    if (screen.dataset.status !== "active") return;
    fetch(statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (body) {
          deadline = Date.now() + body.seconds_left * 1000;
          show(body.status);
          // Why a resident's scan was refused, in the staff's language (said by the server).
          refusal.textContent = body.refusal || "";
          refusal.hidden = !body.refusal;
        }
      })
      .catch(function () { /* a dropped poll is retried on the next tick */ })
      .finally(function () { setTimeout(poll, 1500); });
  }

  show(screen.dataset.status);
  tick();
  setInterval(tick, 1000);
  setTimeout(poll, 1500);
})();
