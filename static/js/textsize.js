// Runs in <head>, before the page paints: applies the text size the visitor
// chose earlier (kept in this browser's localStorage, never in a cookie), and
// marks the page as having JavaScript.
(function () {
  var root = document.documentElement;
  root.classList.add("js");
  try {
    var fromURL = new URLSearchParams(location.search).get("size");
    if (fromURL !== null && /^[0-5]$/.test(fromURL)) {
      localStorage.setItem("zerodesk.textSize", fromURL);
    } else {
      var saved = localStorage.getItem("zerodesk.textSize");
      if (saved !== null && /^[0-5]$/.test(saved)) root.setAttribute("data-text-size", saved);
    }
  } catch (e) {
    // Storage blocked: the −/+ links still work through the URL.
  }
})();
