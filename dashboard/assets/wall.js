// Camera wall: refresh each snapshot through fetch (ETag/304 keeps an unchanged frame nearly free),
// show its age from Last-Modified, mark it stale; refresh the live view once a second while it is open.
(function () {
  "use strict";
  var WALL_EVERY_MS = 20000, LIVE_EVERY_MS = 1000;
  var objectUrls = new WeakMap();

  function words(wall, key, n) {
    var text = wall.getAttribute("data-t-" + key) || "";
    return text.replace("{n}", String(n));
  }

  function ageText(wall, seconds) {
    if (seconds < 60) return words(wall, "just-now", 0);
    if (seconds < 3600) return words(wall, "minutes-ago", Math.floor(seconds / 60));
    if (seconds < 172800) return words(wall, "hours-ago", Math.floor(seconds / 3600));
    return words(wall, "days-ago", Math.floor(seconds / 86400));
  }

  function show(img, blob) {
    var previous = objectUrls.get(img);
    var url = URL.createObjectURL(blob);
    objectUrls.set(img, url);
    img.src = url;
    if (previous) setTimeout(function () { URL.revokeObjectURL(previous); }, 1000);
  }

  var noCors = {};  // origins that refused fetch(): their <img> is reloaded directly instead
  function fallback(img, url) {
    var sep = url.indexOf("?") < 0 ? "?" : "&";
    img.src = url + sep + "_=" + Date.now();
    return Promise.resolve();
  }

  function refresh(img, url, wall) {
    var card = img.closest(".orchard-wall-card");
    var origin = new URL(url, location.href).origin;
    if (noCors[origin]) return fallback(img, url);
    return fetch(url, {cache: "no-cache", credentials: "same-origin"}).then(function (response) {
      if (card) card.classList.toggle("missing", !response.ok);
      if (!response.ok) return;  // no frame yet (404) or the token was refused: the card says so
      var modified = response.headers.get("Last-Modified");
      return response.blob().then(function (blob) {
        show(img, blob);
        if (wall && modified) {
          var seconds = Math.max(0, (Date.now() - Date.parse(modified)) / 1000);
          var label = card && card.querySelector(".orchard-wall-age");
          var stale = seconds > Number(wall.getAttribute("data-stale-after-s") || 900);
          if (card) card.classList.toggle("stale", stale);
          if (label) label.textContent = ageText(wall, seconds) + (stale ? " · " + words(wall, "stale", 0) : "");
        }
      });
    }).catch(function () {
      // Another origin without CORS (a demo without a proxy): the <img> still loads, only the age is unknown.
      noCors[origin] = true;
      return fallback(img, url);
    });
  }

  function wallTick() {
    if (document.hidden) return;
    var wall = document.querySelector(".orchard-wall");
    if (!wall) return;
    wall.querySelectorAll("img.orchard-wall-img[data-src]").forEach(function (img) {
      refresh(img, img.getAttribute("data-src") + "?token=" + encodeURIComponent(img.getAttribute("data-token")), wall);
    });
  }

  var liveBusy = false;
  function liveTick() {
    var img = document.getElementById("camera-live-image");
    if (!img || document.hidden || liveBusy) return;
    var source = img.getAttribute("data-live-src");
    if (img.src && img.src.indexOf("blob:") !== 0 && img.src !== source) {
      source = img.src;  // a new camera was opened: the callback set its URL
      img.setAttribute("data-live-src", source);
    }
    if (!source || !img.offsetParent) return;  // the live window is closed: stop asking, the camera goes idle
    liveBusy = true;
    refresh(img, source, null).then(function () { liveBusy = false; }, function () { liveBusy = false; });
  }

  var seen = new WeakSet();
  new MutationObserver(function () {
    var fresh = false;
    document.querySelectorAll("img.orchard-wall-img[data-src]").forEach(function (img) {
      if (seen.has(img)) return;
      seen.add(img);
      fresh = true;
      var card = img.closest(".orchard-wall-card");
      img.addEventListener("error", function () { if (card) card.classList.add("missing"); });
      img.addEventListener("load", function () { if (card) card.classList.remove("missing"); });
    });
    if (fresh) setTimeout(wallTick, 3000);
  }).observe(document.documentElement, {childList: true, subtree: true});
  setInterval(wallTick, WALL_EVERY_MS);
  setInterval(liveTick, LIVE_EVERY_MS);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) wallTick(); });
})();
