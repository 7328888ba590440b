/* Snapshot gallery for "My tree": one archived snapshot per day, fetched from the relay by the browser.
 *
 * The page renders <div class="orchard-gallery" data-list="…/snapshots?token=…" data-token="…"
 * data-windows='[[start_ms, end_ms], …]' data-tz="Asia/Shanghai" data-lang="zh-CN" data-empty="…">;
 * the windows (around midday, in the farm's time zone, inside the claim) come from the server,
 * and the relay cuts every listing to the claim's dates again.
 */
(function () {
  "use strict";

  var done = new WeakMap();  // gallery element -> the data-list it was filled for

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
    done.set(el, list);
    var base = new URL(list, window.location.href);
    Promise.all(windows.map(function (w) { return first(list, w); })).then(function (found) {
      if (done.get(el) !== list) return;  // the page moved on to another tree meanwhile
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
    });
  }

  function sync() {
    document.querySelectorAll(".orchard-gallery[data-list]").forEach(function (el) {
      if (done.get(el) !== el.dataset.list) fill(el);
    });
  }

  function boot() {
    new MutationObserver(sync).observe(document.body, {
      childList: true, subtree: true, attributes: true, attributeFilter: ["data-list"],
    });
    sync();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
