// Support tickets: small enhancements on pages that work without JavaScript.
(function () {
  "use strict";

  // The e-mailed link carries the access key in its query. Once the ticket
  // is open, the page carries it in its forms: take it out of the address
  // bar and of this history entry, so it is not shown, bookmarked or shared.
  if (window.history && history.replaceState && /[?&]key=/.test(location.search)) {
    var u = new URL(location.href);
    u.searchParams.delete("key");
    history.replaceState(history.state, "", u.pathname + u.search + u.hash);
  }

  // The confirmation: a Copy button beside the reference and the access key
  // (without JavaScript, one click selects each whole: user-select: all).
  function addCopyButtons(root) {
    (root || document).querySelectorAll("dl.ticket-keys[data-copy-label]").forEach(function (dl) {
      if (dl.hasAttribute("data-copy-ready") || !navigator.clipboard) return;
      dl.setAttribute("data-copy-ready", "");
      dl.querySelectorAll("dd > code").forEach(function (code) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "copy-button";
        b.textContent = dl.getAttribute("data-copy-label");
        var label = code.closest("dd").previousElementSibling;
        if (label && label.id) {
          b.id = code.id + "-copy";
          b.setAttribute("aria-labelledby", b.id + " " + label.id);
        }
        b.addEventListener("click", function () {
          navigator.clipboard.writeText(code.textContent.trim()).then(function () {
            b.textContent = dl.getAttribute("data-copied-label");
          }, function () { /* denied: the text stays selectable */ });
        });
        code.insertAdjacentElement("afterend", b);
      });
    });
  }
  // The confirmation: a Print button beside "Save as a file" (the print
  // stylesheet keeps the reference and the key, without the page's frame).
  function addPrintButton(root) {
    (root || document).querySelectorAll(".sent-actions[data-print-label]").forEach(function (box) {
      if (box.hasAttribute("data-print-ready") || !window.print) return;
      box.setAttribute("data-print-ready", "");
      var b = document.createElement("button");
      b.type = "button";
      b.id = "sent-print";
      b.className = "print-button";
      b.textContent = box.getAttribute("data-print-label");
      b.addEventListener("click", function () { window.print(); });
      box.appendChild(b);
    });
  }
  // The ticket form: only the chosen topic's custom fields are shown
  // (without JavaScript every topic's group is, and only the chosen one's
  // is checked; desk_fields.templ).
  function showTopicFields(root) {
    var select = document.getElementById("support-topic");
    if (!select) return;
    var sync = function () {
      document.querySelectorAll("fieldset.custom-fields[data-topic]").forEach(function (fs) {
        fs.hidden = fs.getAttribute("data-topic") !== select.value;
      });
    };
    if (!select.hasAttribute("data-fields-ready")) {
      select.setAttribute("data-fields-ready", "");
      select.addEventListener("change", sync);
    }
    sync();
  }
  function enhance(root) { addCopyButtons(root); addPrintButton(root); showTopicFields(root); }
  document.addEventListener("htmx:after:swap", function (ev) { enhance(ev.target); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { enhance(); });
  else enhance();
})();
