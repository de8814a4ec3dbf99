// Fill page: nothing the user typed may be lost.
// - A field copied from the last period loses its "copied" mark once the user edits it.
// - Leaving the page with unsaved input asks first.
// - Every keystroke is kept in this browser (localStorage) for this report and version, so input
//   survives an expired login or a crash: on return the page offers to restore it. A newer
//   version on the server (the input was saved) makes the kept copy obsolete.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) {
    // A report's read-only page: what this browser kept of its input is obsolete now.
    var shown = document.querySelector("[data-report-done]");
    if (shown) {
      try { window.localStorage.removeItem("keju-report-" + shown.getAttribute("data-report-done")); } catch (e) { /* none */ }
    }
    return;
  }
  var copied = form.querySelector("input[name=copied]");
  var version = form.querySelector("input[name=version]");
  var key = "keju-report-" + form.getAttribute("data-report");
  var dirty = false;

  function fields() {
    return Array.prototype.slice.call(
      form.querySelectorAll("input[name^=v_], select[name^=v_], textarea[name^=explain_], textarea[name=reason]"));
  }
  function snapshot() {
    var values = {};
    fields().forEach(function (el) { values[el.name] = el.value; });
    return values;
  }
  function keep() {
    try {
      window.localStorage.setItem(key, JSON.stringify({ version: version ? version.value : "", values: snapshot() }));
    } catch (e) { /* storage full or disabled: the page still works */ }
  }
  function kept() {
    try { return JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }
  function forget() {
    try { window.localStorage.removeItem(key); } catch (e) { /* nothing to forget */ }
  }

  function offerRestore() {
    var saved = kept();
    if (!saved || !saved.values) { return; }
    if (!version || saved.version !== version.value) { forget(); return; }
    var current = snapshot();
    var differing = Object.keys(saved.values).filter(function (name) {
      return saved.values[name] && name in current && saved.values[name] !== current[name];
    });
    var banner = document.getElementById("restore-input");
    if (!differing.length || !banner) { return; }
    banner.hidden = false;
    banner.querySelector("[data-restore]").addEventListener("click", function () {
      differing.forEach(function (name) {
        var el = form.querySelector("[name='" + name + "']");
        if (el) { el.value = saved.values[name]; }
      });
      dirty = true;
      banner.hidden = true;
    });
    banner.querySelector("[data-discard]").addEventListener("click", function () {
      forget();
      banner.hidden = true;
    });
  }

  form.addEventListener("input", function (event) {
    dirty = true;
    keep();
    var row = event.target.closest("tr[data-field]");
    if (!row || !row.classList.contains("copied")) { return; }
    row.classList.remove("copied");
    var mark = row.querySelector(".copied-mark");
    if (mark) { mark.remove(); }
    if (copied) {
      var code = row.getAttribute("data-field");
      copied.value = copied.value.split(",").filter(function (c) { return c && c !== code; }).join(",");
    }
  });
  form.addEventListener("submit", function () { keep(); dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
  offerRestore();
})();
