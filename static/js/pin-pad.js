// Shop console, member card: an on-screen PIN pad so the card holder can type their PIN on
// the staff's tablet (the field itself still takes a keyboard).
(function () {
  "use strict";
  var pad = document.getElementById("pin-pad");
  var pin = document.getElementById("pin");
  if (!pad || !pin) return;
  pad.hidden = false;
  pad.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return;
    if (button.hasAttribute("data-clear")) pin.value = "";
    else if (button.hasAttribute("data-back")) pin.value = pin.value.slice(0, -1);
    else if (pin.value.length < 4) pin.value += button.dataset.digit;
    pin.focus();
  });
})();
