// Small enhancements on top of pages that work without JavaScript.
(function () {
  "use strict";
  var MIN = 0, MAX = 5, KEY = "zerodesk.textSize";
  var root = document.documentElement;

  function currentSize() {
    var n = parseInt(root.getAttribute("data-text-size"), 10);
    return isNaN(n) ? 1 : n;
  }

  // Text size −/+: change in place and, when the visitor chose it, remember it
  // in this browser (never in a cookie).
  function setSize(n, remember) {
    n = Math.max(MIN, Math.min(MAX, n));
    root.setAttribute("data-text-size", String(n));
    if (remember) {
      try { localStorage.setItem(KEY, String(n)); } catch (e) { /* blocked storage */ }
    }
    document.querySelectorAll("[data-text-size-step]").forEach(function (a) {
      var step = parseInt(a.getAttribute("data-text-size-step"), 10);
      var target = n + step;
      if (target < MIN || target > MAX) {
        a.setAttribute("aria-disabled", "true");
      } else {
        a.removeAttribute("aria-disabled");
        // Rendered disabled (at a limit, so without href): keep it reachable
        // by keyboard now that it works again.
        if (!a.hasAttribute("href")) a.setAttribute("tabindex", "0");
      }
    });
    syncSizeInURLs(n);
    var status = document.getElementById("text-size-status");
    if (status) status.textContent = status.getAttribute("data-template").replace("{n}", String(n + 1)).replace("{max}", String(MAX + 1));
  }

  // Pages opened with ?size=N carry that size in their links and forms (the
  // no-JavaScript way). Once the visitor picks another size here, those would
  // bring the old one back on the next page: point them at the new size.
  function withSize(href, size) {
    var u;
    try { u = new URL(href, location.href); } catch (e) { return null; }
    if (u.origin !== location.origin) return null;
    u.searchParams.set("size", String(size));
    return u.pathname + u.search + u.hash;
  }
  function syncSizeInURLs(n) {
    document.querySelectorAll("a[href]").forEach(function (a) {
      var href = a.getAttribute("href"), next = null;
      if (a.hasAttribute("data-text-size-step")) {
        var target = n + parseInt(a.getAttribute("data-text-size-step"), 10);
        if (target >= MIN && target <= MAX) next = withSize(href, target);
      } else if (/[?&]size=/.test(href)) {
        next = withSize(href, n);
      }
      if (next !== null && next !== href) a.setAttribute("href", next);
    });
    document.querySelectorAll('input[type="hidden"][name="size"]').forEach(function (i) { i.value = String(n); });
    document.querySelectorAll('input[type="hidden"][name="from"]').forEach(function (i) {
      var next = /[?&]size=/.test(i.value) ? withSize(i.value, n) : null;
      if (next !== null) i.value = next;
    });
  }

  document.addEventListener("click", function (ev) {
    var a = ev.target.closest("[data-text-size-step]");
    if (a) {
      ev.preventDefault();
      if (a.getAttribute("aria-disabled") === "true") return;
      setSize(currentSize() + parseInt(a.getAttribute("data-text-size-step"), 10), true);
      return;
    }
    // Expand all / collapse all within one list of articles.
    var all = ev.target.closest("[data-expand-all], [data-collapse-all]");
    if (all) {
      ev.preventDefault();
      var section = all.closest("[data-entries]");
      var open = all.hasAttribute("data-expand-all");
      section.querySelectorAll("details").forEach(function (d) { d.open = open; });
      var label = all.getAttribute(open ? "data-label-collapse" : "data-label-expand");
      if (label) {
        all.textContent = label;
        all.toggleAttribute("data-expand-all", !open);
        all.toggleAttribute("data-collapse-all", open);
        all.setAttribute("aria-expanded", String(open));
      }
    }
  });

  // Keyboard users: make the −/+ links answer the space bar like buttons, and
  // Enter too when they were rendered without href (see setSize).
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== " " && ev.key !== "Enter") return;
    var a = ev.target.closest && ev.target.closest("[data-text-size-step]");
    if (!a || (ev.key === "Enter" && a.hasAttribute("href"))) return;
    ev.preventDefault();
    a.click();
  });

  // Article toggles: keep aria-expanded true to what is shown.
  document.addEventListener("toggle", function (ev) {
    var d = ev.target;
    if (d.tagName !== "DETAILS") return;
    var s = d.querySelector(":scope > summary");
    if (s) s.setAttribute("aria-expanded", String(d.open));
  }, true);

  // After an HTMX swap, move focus to content that asks for it (a thank-you,
  // an error), so keyboard and screen-reader users learn what changed: only
  // content the swap brought in. htmx 4 fires the event on the element that
  // asked, not on what was swapped, so what asked for the focus before the
  // swap (a notice the page loaded with) is remembered and left alone: a
  // live preview never pulls the writer away from the text (nor scrolls the
  // page under their pointer).
  var askedBefore = window.WeakSet ? new WeakSet() : null;
  document.addEventListener("htmx:before:swap", function () {
    if (!askedBefore) return;
    document.querySelectorAll("[data-autofocus]").forEach(function (e) { askedBefore.add(e); });
  });
  document.addEventListener("htmx:after:swap", function () {
    // Swapped-in links were rendered with the size of the request.
    syncSizeInURLs(currentSize());
    if (!askedBefore) return;
    var asking = document.querySelectorAll("[data-autofocus]");
    for (var i = 0; i < asking.length; i++) {
      if (!askedBefore.has(asking[i])) {
        asking[i].focus();
        return;
      }
    }
  });

  // Times in the reader's time zone: <time datetime data-local-time> reads
  // UTC without JavaScript; here it shows the browser's zone and language,
  // with the UTC text kept as its title.
  function localTimes(root) {
    if (!window.Intl || !Intl.DateTimeFormat || !root.querySelectorAll) return;
    var fmt;
    try {
      fmt = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
        year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short"
      });
    } catch (e) {
      return;
    }
    root.querySelectorAll("time[data-local-time][datetime]").forEach(function (t) {
      var d = new Date(t.getAttribute("datetime"));
      if (isNaN(d.getTime()) || t.hasAttribute("data-localized")) return;
      t.title = t.textContent;
      t.textContent = fmt.format(d);
      t.setAttribute("data-localized", "");
    });
  }
  document.addEventListener("htmx:after:swap", function (ev) {
    if (ev.target) localTimes(ev.target);
  });

  function init() {
    localTimes(document);
    setSize(currentSize(), false);
    document.querySelectorAll("details > summary").forEach(function (s) {
      s.setAttribute("aria-expanded", String(s.parentNode.open));
    });
    // With JavaScript, Expand all / Collapse all toggle in place: say which.
    document.querySelectorAll("[data-expand-all], [data-collapse-all]").forEach(function (a) {
      a.setAttribute("aria-expanded", String(a.hasAttribute("data-collapse-all")));
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
