// The agents' desk, with JavaScript: canned replies and article links go
// into the reply in place, the article search answers in place, and the
// queue's refresh keeps the focus and says what changed. Without this file
// every one of these works by sending the form (handlers/desk.go).
(function () {
  "use strict";

  // insert puts text into the reply at the cursor, on lines of its own.
  function insert(text) {
    var area = document.getElementById("reply-body");
    if (!area || !text) return;
    var start = area.selectionStart, end = area.selectionEnd, value = area.value;
    if (typeof start !== "number" || document.activeElement !== area) start = end = value.length;
    var before = value.slice(0, start).replace(/\s+$/, ""), after = value.slice(end);
    var join = before ? "\n\n" : "";
    area.value = before + join + text + (after ? "\n\n" + after.replace(/^\s+/, "") : "");
    var caret = (before + join + text).length;
    area.focus();
    area.setSelectionRange(caret, caret);
  }

  // findArticles sends the reply form's search alone (no files) and shows
  // the results below the search field.
  function findArticles(button) {
    var form = button.form, results = document.getElementById("article-results");
    if (!form || !results || !window.fetch) return false;
    var data = new FormData(form);
    data.delete("files");
    data.set("do", "find");
    var body = new URLSearchParams();
    data.forEach(function (v, k) { if (typeof v === "string") body.append(k, v); });
    button.setAttribute("aria-busy", "true");
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "HX-Request": "true" }
    }).then(function (res) {
      return res.text();
    }).then(function (html) {
      results.innerHTML = html;
      var f = results.querySelector("[data-autofocus]");
      if (f) f.focus();
    }).catch(function () {
      form.requestSubmit(button); // the way without JavaScript
    }).finally(function () {
      button.removeAttribute("aria-busy");
    });
    return true;
  }

  document.addEventListener("click", function (ev) {
    var canned = ev.target.closest("[data-desk-canned]");
    if (canned) {
      var select = document.getElementById("canned-select");
      var option = select && select.options[select.selectedIndex];
      if (option) {
        ev.preventDefault();
        insert(option.getAttribute("data-body"));
      }
      return;
    }
    var link = ev.target.closest("[data-link]");
    if (link) {
      ev.preventDefault();
      insert(link.getAttribute("data-link"));
      return;
    }
    var find = ev.target.closest("[data-desk-find]");
    if (find && findArticles(find)) ev.preventDefault();
  });

  // Enter in the article search searches (not the form's first button's
  // action, whatever that is).
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Enter" || !ev.target.matches || !ev.target.matches("#article-q")) return;
    var find = document.querySelector("[data-desk-find]");
    if (find && findArticles(find)) ev.preventDefault();
  });

  // The queue: a refresh replaces the list. Focus inside it would fall to
  // the page's start: put it back on the same ticket (or the list's
  // heading), and say in the live region what the refresh brought.
  var kept = null;
  document.addEventListener("htmx:before:swap", function () {
    var region = document.getElementById("queue-region"), active = document.activeElement;
    kept = null;
    if (region && active && region.contains(active)) {
      var ref = active.closest(".desk-ref, .desk-ref-form");
      kept = { ref: ref ? ref.textContent.trim() : null };
    }
  });
  document.addEventListener("htmx:after:swap", function () {
    var region = document.getElementById("queue-region");
    if (!region) return;
    if (kept && (document.activeElement === document.body || !document.activeElement)) {
      var target = null;
      if (kept.ref) {
        region.querySelectorAll(".desk-ref").forEach(function (el) {
          if (!target && el.textContent.trim() === kept.ref) target = el.matches("form") ? el.querySelector("button") : el;
        });
      }
      (target || document.getElementById("queue-title")).focus();
    }
    kept = null;
    var section = region.querySelector("[data-announce]"), live = document.getElementById("queue-announce");
    var text = section && section.getAttribute("data-announce");
    if (live && text) {
      live.textContent = "";
      setTimeout(function () { live.textContent = text; }, 50);
    }
  });
})();
