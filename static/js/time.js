// Active time on a module page, for the learner's record (app/record/time.py explains the caps).
// A second counts only while the page is visible and the learner used the keyboard, the mouse
// or the screen in the last minute. What was counted is sent when the page is hidden or left,
// and every five minutes, with the form's CSRF token; the server believes no more than the time
// that really passed. Without this script nothing is counted: the page works the same.
(function () {
  "use strict";
  var marker = document.getElementById("time-report");
  if (!marker || !window.FormData) { return; }
  var url = marker.getAttribute("data-url");
  var token = marker.getAttribute("data-token");
  var IDLE_MS = 60 * 1000;  // no input for a minute: the learner is away
  var FLUSH_S = 5 * 60;     // send at least this often while reading
  var pending = 0;          // seconds counted, not yet sent
  var lastInput = Date.now();
  var lastTick = Date.now();

  function active() {
    return document.visibilityState === "visible" && Date.now() - lastInput < IDLE_MS;
  }

  function send(leaving) {
    var seconds = Math.floor(pending);
    if (seconds < 1) { return; }
    pending -= seconds;
    var body = new FormData();
    body.append("csrf_token", token);
    body.append("seconds", String(seconds));
    // sendBeacon survives the page being closed; fetch with keepalive is the fallback.
    if (leaving && navigator.sendBeacon && navigator.sendBeacon(url, body)) { return; }
    if (window.fetch) {
      fetch(url, { method: "POST", body: body, credentials: "same-origin", keepalive: true })
        .catch(function () {});
    }
  }

  ["keydown", "pointerdown", "pointermove", "wheel", "scroll", "touchstart"].forEach(function (name) {
    window.addEventListener(name, function () { lastInput = Date.now(); }, { passive: true });
  });

  window.setInterval(function () {
    var now = Date.now();
    // A timer paused by the browser (a sleeping laptop) must not count the pause.
    var step = Math.min(now - lastTick, 2000) / 1000;
    lastTick = now;
    if (active()) {
      pending += step;
      if (pending >= FLUSH_S) { send(false); }
    }
  }, 1000);

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { send(true); }
    lastInput = Date.now();  // coming back to the page counts as being there
  });
  window.addEventListener("pagehide", function () { send(true); });
})();
