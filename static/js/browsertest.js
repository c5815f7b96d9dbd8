// Browser Test: what only the browser can tell. The page, as the server
// renders it, says "JavaScript off" and "cannot be checked" everywhere; this
// script swaps in what it finds. It sets no cookie and sends nothing: it only
// reads what the browser tells every page.
(function () {
  "use strict";
  var root = document.documentElement;
  var fmt = function (n, digits) {
    try {
      return new Intl.NumberFormat(root.lang || undefined, { maximumFractionDigits: digits || 0 }).format(n);
    } catch (e) {
      return String(n);
    }
  };
  function show(id, on) {
    var el = document.getElementById(id);
    if (el) el.hidden = !on;
  }
  function fill(id, values) {
    var el = document.getElementById(id);
    if (!el) return;
    var text = el.getAttribute("data-template") || "";
    Object.keys(values).forEach(function (k) { text = text.replace("{" + k + "}", values[k]); });
    el.textContent = text;
  }

  function run() {
    // What the server said without JavaScript goes.
    document.querySelectorAll("[data-bt-nojs]").forEach(function (el) { el.hidden = true; });

    show("bt-js-on", true);
    show("bt-js-means-on", true);

    // navigator.cookieEnabled says whether this page may use cookies at all;
    // nothing is written to find out.
    var cookies = navigator.cookieEnabled === true;
    show("bt-cookies-on", cookies);
    show("bt-cookies-means-on", cookies);
    show("bt-cookies-off", !cookies);
    show("bt-cookies-means-off", !cookies);

    measure();
    window.addEventListener("resize", measure);
    // Text size − / + change the size in place (app.js): follow it.
    new MutationObserver(measure).observe(root, { attributes: true, attributeFilter: ["data-text-size"] });
  }

  var PERCENT = [87.5, 100, 112.5, 125, 150, 200]; // static/css/app.css

  function measure() {
    fill("bt-zoom", { ratio: fmt(window.devicePixelRatio || 1, 2) });
    fill("bt-viewport", { w: fmt(window.innerWidth), h: fmt(window.innerHeight) });
    if (window.screen) fill("bt-screen-size", { w: fmt(screen.width), h: fmt(screen.height) });
    var step = parseInt(root.getAttribute("data-text-size"), 10);
    if (PERCENT[step] !== undefined) fill("bt-size-percent", { p: fmt(PERCENT[step], 1) });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
})();
