// The editor's writing page, with JavaScript (views/editor.templ): while the
// text changes it is kept every few seconds as the editor's working copy
// (autosave, never a revision), and leaving the page with unsaved changes
// asks first. Without this file nothing is lost either: Save makes a revision.
(function () {
  "use strict";
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

  window.addEventListener("beforeunload", function (e) {
    if (!dirty) return;
    e.preventDefault();
    e.returnValue = "";
  });
})();
