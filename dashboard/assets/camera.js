/* Live camera for "My tree": MJPEG where it plays, latest.jpg polled with ETags where it does not (WebKit).
 *
 * The page renders <div class="orchard-camera" data-mjpeg="…" data-latest="…" data-words='{…}'>;
 * this script puts an <img> and the frame's age inside it. It watches only while the page is
 * visible: hidden or closed, the MJPEG request is dropped and polling stops, so the relay sees
 * the viewer leave and the camera goes back to idle. Force a mode with ?camera=mjpeg or ?camera=poll.
 */
(function () {
  "use strict";

  var POLL_MS = 1000;        // WebKit: one conditional GET a second; a 304 costs a few hundred bytes
  var AGE_CHECK_MS = 15000;  // MJPEG: how often to ask latest.jpg how old the frame is
  var FIRST_AGE_CHECK_MS = 4000;
  var BLANK = "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==";
  var cameras = new Map();   // container element -> its state

  function chooseMode() {
    var forced = new URLSearchParams(window.location.search).get("camera");
    if (forced === "mjpeg" || forced === "poll") return forced;
    var ua = navigator.userAgent || "";
    // Every browser on iOS is WebKit (Safari, WeChat, Chrome as CriOS); iPadOS reports itself as a Mac.
    var iOS = /iPad|iPhone|iPod/.test(ua) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
    var webkitOnly = /AppleWebKit/.test(ua) && !/Chrome|Chromium|Android/.test(ua);
    return iOS || webkitOnly ? "poll" : "mjpeg";
  }

  var MODE = chooseMode();

  function withParam(url, name, value) {
    return url + (url.indexOf("?") >= 0 ? "&" : "?") + name + "=" + encodeURIComponent(value);
  }

  function words(el) {
    try { return JSON.parse(el.dataset.words || "{}"); } catch (e) { return {}; }
  }

  function say(template, n) {
    return (template || "{n}").replace("{n}", String(n));
  }

  function showAge(cam) {
    var w = words(cam.el);
    var text;
    var stale = false;
    var fresh = false;
    if (cam.frameAt === null) {
      text = cam.failed ? w.offline : w.waiting;
    } else {
      var age = Math.max(0, Math.round((Date.now() - cam.frameAt) / 1000));
      stale = age > Number(cam.el.dataset.staleS || 600);
      if (!cam.running) text = w.paused;
      else if (age < 10) { text = w.live; fresh = true; }
      else if (age < 120) text = say(w.age_s, age);
      else if (age < 7200) text = say(w.age_min, Math.round(age / 60));
      else text = say(w.age_h, Math.round(age / 3600));
    }
    cam.age.textContent = text || "";
    cam.el.classList.toggle("orchard-camera--stale", stale);
    cam.el.classList.toggle("orchard-camera--fresh", fresh);
    cam.el.dataset.state = !cam.running ? "paused" : cam.failed ? "error" : "live";
  }

  // The frame's time from the relay's headers: X-Frame-Age (no clock skew) when readable, else Last-Modified.
  function frameTimeFrom(response) {
    var age = parseFloat(response.headers.get("X-Frame-Age"));
    if (!isNaN(age)) return Date.now() - age * 1000;
    var modified = Date.parse(response.headers.get("Last-Modified") || "");
    return isNaN(modified) ? Date.now() : modified;
  }

  function check(cam, watch) {
    var url = watch ? withParam(cam.latest, "watch", "1") : cam.latest;
    var headers = cam.etag ? { "If-None-Match": cam.etag } : {};
    var generation = cam.generation;
    return fetch(url, { headers: headers, cache: "no-store", signal: cam.abort.signal })
      .then(function (response) {
        if (generation !== cam.generation) return;
        if (response.status === 304) {
          cam.frameAt = frameTimeFrom(response);
          cam.failed = false;
          return;
        }
        if (response.status !== 200) {
          if (watch) cam.failed = true;  // an age check that fails says nothing about the stream itself
          return;
        }
        cam.etag = response.headers.get("ETag");
        cam.frameAt = frameTimeFrom(response);
        cam.failed = false;
        if (!watch) return response.arrayBuffer();  // MJPEG shows the frames; only the age was wanted
        return response.blob().then(function (blob) {
          if (generation !== cam.generation) return;
          var old = cam.objectUrl;
          cam.objectUrl = URL.createObjectURL(blob);
          cam.img.src = cam.objectUrl;
          if (old) URL.revokeObjectURL(old);
        });
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") return;
        if (watch) cam.failed = true;
      })
      .then(function () { showAge(cam); });
  }

  function schedule(cam, fn, ms) {
    cam.timer = window.setTimeout(function () {
      if (!cam.running) return;
      fn();
    }, ms);
  }

  function pollLoop(cam) {
    check(cam, true).then(function () {
      if (cam.running) schedule(cam, function () { pollLoop(cam); }, POLL_MS);
    });
  }

  // MJPEG hides each part's time from script: latest.jpg is asked now and then (not at once: the first
  // load should carry the stream's frame only).
  function ageLoop(cam) {
    check(cam, false).then(function () {
      if (cam.running) schedule(cam, function () { ageLoop(cam); }, AGE_CHECK_MS);
    });
  }

  function startMjpeg(cam) {
    cam.img.src = withParam(cam.mjpeg, "_", Date.now());  // a fresh URL: never a cached, finished stream
  }

  function start(cam) {
    if (cam.running) return;
    cam.running = true;
    cam.generation += 1;
    cam.abort = new AbortController();
    if (MODE === "mjpeg") {
      startMjpeg(cam);
      schedule(cam, function () { ageLoop(cam); }, FIRST_AGE_CHECK_MS);
    } else {
      pollLoop(cam);
    }
    cam.ticker = window.setInterval(function () { showAge(cam); }, 1000);
    showAge(cam);
  }

  function stop(cam) {
    if (!cam.running) return;
    cam.running = false;
    cam.generation += 1;
    cam.abort.abort();
    window.clearTimeout(cam.timer);
    window.clearInterval(cam.ticker);
    // Replacing the src ends the MJPEG request: the relay counts one viewer fewer.
    if (MODE === "mjpeg") cam.img.src = BLANK;
    showAge(cam);
  }

  function attach(el) {
    var cam = {
      el: el, mjpeg: el.dataset.mjpeg, latest: el.dataset.latest, running: false, generation: 0,
      etag: null, frameAt: null, failed: false, objectUrl: null, timer: null, ticker: null,
      abort: new AbortController(),
    };
    cam.img = document.createElement("img");
    cam.img.className = "orchard-camera__img";
    cam.img.alt = el.dataset.alt || "";
    cam.img.addEventListener("load", function () {
      if (MODE === "mjpeg" && cam.img.src !== BLANK) {
        cam.failed = false;
        if (cam.frameAt === null) cam.frameAt = Date.now();
      }
    });
    cam.img.addEventListener("error", function () {
      if (!cam.running || MODE !== "mjpeg" || cam.img.src === BLANK) return;
      cam.failed = true;
      showAge(cam);
      schedule(cam, function () { startMjpeg(cam); }, 5000);  // the relay restarted or the link dropped
    });
    cam.age = document.createElement("span");
    cam.age.className = "orchard-camera__age";
    el.replaceChildren(cam.img, cam.age);
    el.dataset.mode = MODE;
    cameras.set(el, cam);
    if (document.visibilityState === "visible") start(cam);
    else showAge(cam);
  }

  function detach(el) {
    var cam = cameras.get(el);
    if (!cam) return;
    stop(cam);
    if (cam.objectUrl) URL.revokeObjectURL(cam.objectUrl);
    cameras.delete(el);
  }

  // Dash renders and replaces the page's components at any time: follow them.
  function sync() {
    cameras.forEach(function (cam, el) {
      if (!document.body.contains(el) || path(el.dataset.latest) !== path(cam.latest)) {
        detach(el);  // gone, or another camera in the same place
      } else if (el.dataset.latest !== cam.latest || el.dataset.mjpeg !== cam.mjpeg) {
        cam.latest = el.dataset.latest;  // a fresh token: the next poll uses it
        cam.mjpeg = el.dataset.mjpeg;
        // The relay ends a stream when its token expires: reconnect with the new one (the old frame stays up).
        if (MODE === "mjpeg" && cam.running) startMjpeg(cam);
      }
    });
    document.querySelectorAll(".orchard-camera[data-latest]").forEach(function (el) {
      if (!cameras.has(el)) attach(el);
    });
  }

  function path(url) { return String(url || "").split("?")[0]; }

  function everyCamera(fn) { cameras.forEach(function (cam) { fn(cam); }); }

  document.addEventListener("visibilitychange", function () {
    everyCamera(document.visibilityState === "visible" ? start : stop);
  });
  window.addEventListener("pagehide", function () { everyCamera(stop); });
  window.addEventListener("pageshow", function () {
    if (document.visibilityState === "visible") everyCamera(start);
  });

  function boot() {
    new MutationObserver(sync).observe(document.body, {
      childList: true, subtree: true, attributes: true, attributeFilter: ["data-mjpeg", "data-latest"],
    });
    sync();
  }

  window.orchardCamera = { mode: MODE, count: function () { return cameras.size; } };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
