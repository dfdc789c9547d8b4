// The kiosk: back to the home screen by itself, full screen on request, and the camera's QR reader.
// No inline script (CSP): the pages mark what this file drives with data- attributes, which also carry
// the Spanish texts it shows (translated by the page).
(function () {
  "use strict";
  var IDLE_RELOAD_MS = 5 * 60 * 1000;  // keeps the page's form token fresh on a kiosk nobody touches
  var TICKET_RETURN_MS = 20 * 1000;

  function backHomeAfterTicket() {
    var ticket = document.querySelector("[data-return]");
    if (ticket) {
      setTimeout(function () { window.location.assign(ticket.getAttribute("data-return")); }, TICKET_RETURN_MS);
    }
  }

  function reloadWhenIdle() {
    var timer = null;
    function arm() {
      clearTimeout(timer);
      timer = setTimeout(function () { window.location.reload(); }, IDLE_RELOAD_MS);
    }
    ["keydown", "pointerdown", "input"].forEach(function (name) { document.addEventListener(name, arm); });
    arm();
  }

  function fullScreenButton() {
    var button = document.querySelector("[data-fullscreen]");
    if (!button || !document.documentElement.requestFullscreen) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      document.documentElement.requestFullscreen().catch(function () { /* refused: stays windowed */ });
    });
  }

  function cameraReader() {
    var box = document.querySelector("[data-camera]");
    if (!box || !("BarcodeDetector" in window) || !navigator.mediaDevices) { return; }
    var video = box.querySelector("[data-camera-video]");
    var status = box.querySelector("[data-camera-status]");
    var form = document.getElementById("form-codigo");
    var field = document.getElementById("codigo");
    box.hidden = false;
    box.querySelector("[data-camera-start]").addEventListener("click", function () {
      var detector = new window.BarcodeDetector({formats: ["qr_code"]});
      navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}}).then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        video.play();
        status.textContent = box.getAttribute("data-reading");
        var scan = function () {
          detector.detect(video).then(function (codes) {
            if (codes.length) {
              stream.getTracks().forEach(function (track) { track.stop(); });
              field.value = codes[0].rawValue;
              form.submit();
            } else {
              window.requestAnimationFrame(scan);
            }
          }).catch(function () { window.requestAnimationFrame(scan); });
        };
        scan();
      }).catch(function () {
        status.textContent = box.getAttribute("data-failed");
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    backHomeAfterTicket();
    reloadWhenIdle();
    fullScreenButton();
    cameraReader();
  });
}());
