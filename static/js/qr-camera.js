// Read QR codes from the device camera with jsQR (Linux Chromium and many phones have no
// BarcodeDetector). QrCamera.start(video, onText, onFail) returns a function that stops it;
// onText(text) returns true once the text is accepted, which also stops the camera.
(function () {
  "use strict";

  function start(video, onText, onFail) {
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    var stream = null;
    var stopped = false;

    function stop() {
      stopped = true;
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
    }

    function tick() {
      if (stopped) return;
      if (video.readyState >= video.HAVE_ENOUGH_DATA && video.videoWidth) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        var pixels = context.getImageData(0, 0, canvas.width, canvas.height);
        var found = jsQR(pixels.data, pixels.width, pixels.height, { inversionAttempts: "dontInvert" });
        if (found && found.data && onText(found.data)) { stop(); return; }
      }
      requestAnimationFrame(tick);
    }

    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      onFail();
      return stop;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (media) {
        if (stopped) { media.getTracks().forEach(function (track) { track.stop(); }); return; }
        stream = media;
        video.srcObject = media;
        return video.play().then(function () { requestAnimationFrame(tick); });
      })
      .catch(function () { if (!stopped) onFail(); });
    return stop;
  }

  window.QrCamera = { start: start };
})();
