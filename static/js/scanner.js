// Read a resident's redemption QR with the device camera (jsQR, no BarcodeDetector needed).
(function () {
  "use strict";
  var root = document.getElementById("scanner");
  if (!root || typeof jsQR !== "function") return;
  var video = document.getElementById("scanner-video");
  var canvas = document.getElementById("scanner-canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var start = document.getElementById("scanner-start");
  var error = document.getElementById("scanner-error");
  var CODE = /^[0-9A-Z]{6}$/;
  var stream = null;

  function fail(message) {
    error.textContent = message;
    error.hidden = false;
  }

  function stop() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
  }

  function found(text) {
    var code = text.trim().toUpperCase().replace(/[^0-9A-Z]/g, "");
    if (!CODE.test(code)) {
      fail(error.dataset.unreadable);
      return false;
    }
    stop();
    window.location.assign(root.dataset.lookupUrl + "?code=" + encodeURIComponent(code));
    return true;
  }

  function scan() {
    if (!stream) return;
    if (video.readyState >= video.HAVE_ENOUGH_DATA && video.videoWidth) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var pixels = context.getImageData(0, 0, canvas.width, canvas.height);
      var result = jsQR(pixels.data, pixels.width, pixels.height, { inversionAttempts: "dontInvert" });
      if (result && result.data && found(result.data)) return;
    }
    requestAnimationFrame(scan);
  }

  start.addEventListener("click", function () {
    error.hidden = true;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      fail(error.dataset.denied);
      return;
    }
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        root.classList.add("scanning");
        start.hidden = true;
        return video.play();
      })
      .then(function () { requestAnimationFrame(scan); })
      .catch(function () { fail(error.dataset.denied); });
  });
  window.addEventListener("pagehide", stop);
})();
