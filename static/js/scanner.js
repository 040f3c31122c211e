// Shop console: read a resident's redemption QR (or, with data-pattern and data-param, a
// member card) with the camera, then look the code up.
(function () {
  "use strict";
  var root = document.getElementById("scanner");
  if (!root || !window.QrCamera) return;
  var video = document.getElementById("scanner-video");
  var start = document.getElementById("scanner-start");
  var error = document.getElementById("scanner-error");
  var CODE = new RegExp(root.dataset.pattern || "^[0-9A-Z]{6}$");
  var param = root.dataset.param || "code";
  var stop = null;

  function fail(message) {
    error.textContent = message;
    error.hidden = false;
  }

  function found(text) {
    var code = text.trim().toUpperCase().replace(/[^0-9A-Z]/g, "");
    if (!CODE.test(code)) {
      fail(error.dataset.unreadable);
      return false;
    }
    var form = root.dataset.form && document.getElementById(root.dataset.form);
    if (form) {  // a secret (a member card): posted, never put in a URL
      form.elements[param].value = code;
      form.submit();
      return true;
    }
    window.location.assign(root.dataset.lookupUrl + "?" + param + "=" + encodeURIComponent(code));
    return true;
  }

  start.addEventListener("click", function () {
    error.hidden = true;
    root.classList.add("scanning");
    start.hidden = true;
    stop = window.QrCamera.start(video, found, function () {
      root.classList.remove("scanning");
      start.hidden = false;
      fail(error.dataset.denied);
    });
  });
  window.addEventListener("pagehide", function () { if (stop) stop(); });
})();
