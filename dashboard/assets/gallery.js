/* Snapshot gallery for "My tree": one archived snapshot per day, fetched from the relay by the browser.
 *
 * The page renders <div class="orchard-gallery" data-list="…/snapshots?token=…" data-token="…"
 * data-windows='[[start_ms, end_ms], …]' data-tz="Asia/Shanghai" data-lang="zh-CN" data-empty="…">;
 * the windows (around midday, in the farm's time zone, inside the claim) come from the server,
 * and the relay cuts every listing to the claim's dates again.
 * Tokens live 15 minutes and the page gets fresh links every 5: a new token only rewrites the
 * gallery's links (no new listing), and the timelapse <video data-src> is swapped in while paused.
 */
(function () {
  "use strict";

  var done = new WeakMap();  // gallery element -> the data-list it was filled for, without its token

  function withoutToken(list) {
    var url = new URL(list, window.location.href);
    url.searchParams.delete("token");
    return url.href;
  }

  function withToken(href, token) {
    var url = new URL(href, window.location.href);
    url.searchParams.set("token", token || "");
    return url.href;
  }

  var tokened = new WeakMap();  // gallery element -> the token its links carry

  function retoken(el) {  // same listing, new token: links and not-yet-loaded images take it
    tokened.set(el, el.dataset.token);
    el.querySelectorAll("a[href]").forEach(function (a) { a.href = withToken(a.href, el.dataset.token); });
    el.querySelectorAll("img").forEach(function (img) {
      if (!img.complete || !img.naturalWidth) img.src = withToken(img.src, el.dataset.token);
    });
  }

  var waiting = new WeakSet();  // videos that take their fresh link when next paused

  function refreshVideo(video) {  // swapping src restarts a video: only while it is not playing
    var fresh = video.dataset.src;
    if (!fresh || video.getAttribute("src") === fresh) return;
    if (!video.paused && !video.ended) {
      if (!waiting.has(video)) {
        waiting.add(video);
        video.addEventListener("pause", function () { waiting.delete(video); refreshVideo(video); }, { once: true });
      }
      return;
    }
    var at = video.currentTime;
    video.src = fresh;
    if (at > 0) video.addEventListener("loadedmetadata", function () { video.currentTime = at; }, { once: true });
  }

  function caption(ms, tz, lang) {
    try {
      return new Intl.DateTimeFormat(lang, {
        timeZone: tz, month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
      }).format(new Date(ms));
    } catch (e) {
      return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
    }
  }

  function first(list, window) {
    var url = list + "&start=" + window[0] + "&end=" + (window[1] - 1) + "&limit=1";
    return fetch(url, { cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (found) { return found.length ? found[0] : null; })
      .catch(function () { return undefined; });  // unreachable (or refused cross-origin): not "none"
  }

  function fill(el) {
    var list = el.dataset.list;
    var windows;
    try { windows = JSON.parse(el.dataset.windows || "[]"); } catch (e) { windows = []; }
    done.set(el, withoutToken(list));
    var base = new URL(list, window.location.href);
    Promise.all(windows.map(function (w) { return first(list, w); })).then(function (found) {
      if (done.get(el) !== withoutToken(list)) return;  // the page moved on to another tree meanwhile
      var shots = found.filter(Boolean).reverse();  // newest first
      var unreachable = found.length > 0 && found.every(function (f) { return f === undefined; });
      var items = shots.map(function (shot) {
        var src = new URL(shot.url, base);
        src.searchParams.set("token", el.dataset.token || "");
        var figure = document.createElement("figure");
        figure.className = "orchard-gallery__item";
        var link = document.createElement("a");
        link.href = src.href;
        link.target = "_blank";
        link.rel = "noopener";
        var img = document.createElement("img");
        img.loading = "lazy";
        img.decoding = "async";
        img.src = src.href;
        img.alt = caption(shot.id, el.dataset.tz, el.dataset.lang);
        link.appendChild(img);
        var text = document.createElement("figcaption");
        text.textContent = img.alt;
        figure.append(link, text);
        return figure;
      });
      if (!items.length) {
        var empty = document.createElement("p");
        empty.className = "orchard-gallery__empty";
        empty.textContent = (unreachable ? el.dataset.unreachable : el.dataset.empty) || "";
        items = [empty];
      }
      el.replaceChildren.apply(el, items);
      el.dataset.count = String(shots.length);
      tokened.set(el, el.dataset.token);
    });
  }

  function sync() {
    document.querySelectorAll(".orchard-gallery[data-list]").forEach(function (el) {
      if (done.get(el) !== withoutToken(el.dataset.list)) fill(el);
      else if (el.dataset.count !== undefined && tokened.get(el) !== el.dataset.token) retoken(el);
    });
    document.querySelectorAll("video[data-src]").forEach(refreshVideo);
  }

  function boot() {
    new MutationObserver(sync).observe(document.body, {
      childList: true, subtree: true, attributes: true, attributeFilter: ["data-list", "data-token", "data-src"],
    });
    sync();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
