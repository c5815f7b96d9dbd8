// Triage at the desk, with JavaScript (issue 14): "all on this page" ticks
// the rows' boxes in place, the presence poll says whether this agent is
// writing a reply (never what), and keyboard shortcuts with their help
// dialog ("?"). Without this file every action is a button or a form of
// the page, and the bulk form's "all on this page" box works on its own.
(function () {
  "use strict";

  // "All tickets on this page" ticks every row; unticking a row unticks it.
  document.addEventListener("change", function (ev) {
    var t = ev.target;
    if (t.matches("[data-bulk-all]")) {
      document.querySelectorAll("[data-bulk-row]").forEach(function (box) { box.checked = t.checked; });
    } else if (t.matches("[data-bulk-row]") && !t.checked) {
      var all = document.querySelector("[data-bulk-all]");
      if (all) all.checked = false;
    }
  });

  // Writing a reply: the poll sends writing=1 while the reply holds text.
  document.addEventListener("input", function (ev) {
    if (!ev.target.matches("#reply-body")) return;
    var flag = document.getElementById("presence-writing");
    if (flag) flag.value = ev.target.value.trim() ? "1" : "";
  });

  var dialog = document.getElementById("keys-dialog");
  var opener = null;
  function openHelp() {
    if (!dialog || dialog.open || typeof dialog.showModal !== "function") return;
    opener = document.activeElement;
    dialog.showModal();
    var title = document.getElementById("keys-title");
    if (title) title.focus();
  }
  if (dialog) {
    dialog.addEventListener("close", function () {
      if (opener && opener.focus) opener.focus();
      opener = null;
    });
  }
  var button = document.querySelector("[data-keys-button]");
  if (button && dialog && typeof dialog.showModal === "function") {
    button.hidden = false;
    button.addEventListener("click", function (ev) {
      if (ev.target.closest("#keys-open")) openHelp();
    });
  }

  // typing: a shortcut never fires while the focus is in a field.
  function typing(el) {
    if (!el) return false;
    if (el.isContentEditable) return true;
    var tag = el.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag !== "INPUT") return false;
    return !/^(checkbox|radio|button|submit|reset|file|range|color)$/.test(el.type);
  }

  // The queue's rows and the one holding the focus.
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#queue-table tbody tr")); }
  function refOf(row) {
    var ref = row && row.querySelector(".desk-ref");
    if (ref && ref.matches("form")) ref = ref.querySelector("button");
    return ref;
  }
  function move(step) {
    var list = rows();
    if (!list.length) return false;
    var active = document.activeElement, at = -1;
    list.forEach(function (row, i) { if (row.contains(active)) at = i; });
    var next = at < 0 ? (step > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, at + step));
    var target = refOf(list[next]);
    if (!target) return false;
    target.focus();
    return true;
  }
  function click(id) {
    var el = document.getElementById(id);
    if (!el) return false;
    el.click();
    return true;
  }
  function focus(id) {
    var el = document.getElementById(id);
    if (!el) return false;
    el.focus();
    return true;
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) return;
    if ((dialog && dialog.open) || typing(ev.target)) return;
    var done = false;
    switch (ev.key) {
      case "?": openHelp(); done = true; break;
      case "j": done = move(1); break;
      case "k": done = move(-1); break;
      case "o": {
        var list = rows(), active = document.activeElement;
        list.forEach(function (row) { if (!done && row.contains(active)) { var r = refOf(row); if (r) { r.click(); done = true; } } });
        break;
      }
      case "r": done = focus("reply-body"); break;
      case "n": done = focus("note-body"); break;
      case "a": done = click("assign-me"); break;
      case "c": done = click("close-ticket"); break;
    }
    if (done) ev.preventDefault();
  });
})();
