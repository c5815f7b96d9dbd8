// The editor's writing and translation pages, with JavaScript
// (views/editor.templ, views/translate.templ): while the text changes it is
// kept every few seconds as the editor's working copy (autosave, never a
// revision), and leaving the page with unsaved changes asks first. Without this file nothing is lost either: Save makes a revision.
(function () {
  "use strict";
  // The publishing time in the editor's own time zone: the zone field says
  // which (UTC without JavaScript), and a scheduled time is shown in it.
  var zone = document.getElementById("publish-zone"), when = document.getElementById("publish-at");
  if (zone && when && window.Intl && Intl.DateTimeFormat) {
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz && zone.value === "UTC") {
      zone.value = tz;
      var utc = when.getAttribute("data-utc"), d = utc ? new Date(utc) : null;
      if (d && !isNaN(d.getTime())) {
        var p = function (n) { return (n < 10 ? "0" : "") + n; };
        when.value = d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + "T" +
          p(d.getHours()) + ":" + p(d.getMinutes()) + ":" + p(d.getSeconds());
      }
    }
  }

  var form = document.getElementById("editor-form");
  if (!form || !window.fetch) return;
  var dirty = false, pending = false;
  var url = form.getAttribute("data-autosave");
  var article = form.querySelector('input[name="article"]');
  var status = document.getElementById("autosave-status");

  function fields() {
    var out = new URLSearchParams();
    new FormData(form).forEach(function (v, k) {
      if (typeof v === "string" && k !== "action") out.append(k, v);
    });
    return out;
  }

  function changed() { dirty = true; pending = true; }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () { dirty = false; pending = false; });

  window.setInterval(function () {
    if (!pending || !url || !article || article.value === "0") return;
    pending = false;
    fetch(url, { method: "POST", body: fields(), credentials: "same-origin" }).then(function (res) {
      if (!res.ok) { pending = true; return; }
      if (status) status.textContent = form.getAttribute("data-saved-text");
    }).catch(function () { pending = true; });
  }, 3000);

  // Insert: the chosen image's Markdown at the cursor, without a reload.
  // Without alternative text the form is sent, and the page says why it is
  // needed (the same refusal as without JavaScript). The images' fieldset
  // is swapped after an upload, so its controls are found on each use.
  var body = document.getElementById("ed-body");
  function label(s) {
    var r = Array.from(s.trim().split(/\s+/).join(" "));
    return r.slice(0, 300).join("").replace(/[\\\[\]]/g, function (c) { return "\\" + c; });
  }
  function insert(e) {
    var pick = document.getElementById("ed-insert-file"), alt = document.getElementById("ed-insert-alt");
    if (!pick || !alt || !body || !body.setRangeText) return;
    var opt = pick.options[pick.selectedIndex];
    if (!opt || alt.value.trim() === "") return;
    e.preventDefault();
    var md = "![" + label(alt.value) + "](" + opt.getAttribute("data-path") + ")";
    var at = body.selectionStart, before = body.value.slice(0, at);
    if (before !== "" && !/\n\n$/.test(before)) md = (/\n$/.test(before) ? "\n" : "\n\n") + md;
    if (body.value.slice(body.selectionEnd) !== "") md += "\n\n";
    body.setRangeText(md, at, body.selectionEnd, "end");
    alt.value = "";
    body.focus();
    body.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // Upload: the chosen files go to the same address as without JavaScript,
  // with the whole form; the answer is the images' fieldset alone (the new
  // image chosen, the notice or the refusal), swapped in: the text, its
  // cursor and what is not saved yet stay as they are. Any other answer, or
  // no answer, sends the form as without JavaScript.
  var uploading = false;
  function upload(btn, e) {
    var files = document.getElementById("ed-files");
    if (uploading || !files || !files.files || files.files.length === 0 || !window.FormData) return;
    e.preventDefault();
    uploading = true;
    btn.disabled = true;
    var data = new FormData(form);
    data.set("action", "upload");
    var whole = function () {
      uploading = false;
      btn.disabled = false;
      if (form.requestSubmit) { dirty = false; form.requestSubmit(btn); }
    };
    fetch(btn.getAttribute("formaction"), {
      method: "POST", body: data, credentials: "same-origin", headers: { "HX-Request": "true" }
    }).then(function (res) { return res.text(); }).then(function (html) {
      var t = document.createElement("template");
      t.innerHTML = html;
      var fresh = t.content.querySelector("#editor-images"), old = document.getElementById("editor-images");
      if (!fresh || !old || t.content.querySelector("#editor-form")) { whole(); return; }
      old.replaceWith(fresh);
      uploading = false;
      var say = fresh.querySelector("[data-autofocus]") || document.getElementById("ed-insert-alt");
      if (say) say.focus();
    }).catch(whole);
  }

  form.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("button");
    if (!b) return;
    if (b.id === "ed-insert") insert(e);
    else if (b.id === "ed-upload") upload(b, e);
  });
  form.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && e.target.id === "ed-insert-alt") {
      e.preventDefault();
      var b = document.getElementById("ed-insert");
      if (b) b.click();
    }
  });

  window.addEventListener("beforeunload", function (e) {
    if (!dirty) return;
    e.preventDefault();
    e.returnValue = "";
  });
})();
