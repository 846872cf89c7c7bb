// Filters for the upgrade-lint report. The page is complete without this script: it only
// hides rows. It reads data-* attributes and sets textContent; it never builds markup.
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");
  var form = document.getElementById("filters");
  if (!form) { return; }
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.finding"));
  var groups = Array.prototype.slice.call(document.querySelectorAll("details.rule"));
  var hops = Array.prototype.slice.call(document.querySelectorAll("section.hop"));
  var shown = document.getElementById("shown");

  function apply() {
    var sev = {};
    Array.prototype.forEach.call(form.querySelectorAll("input[name=severity]"), function (c) { sev[c.value] = c.checked; });
    var rule = form.elements.rule.value;
    var hop = form.elements.hop.value;
    var visible = 0;
    rows.forEach(function (r) {
      var ok = sev[r.dataset.severity] && (rule === "" || r.dataset.rule === rule) && (hop === "" || r.dataset.hop === hop);
      r.hidden = !ok;
      if (ok) { visible++; }
    });
    groups.forEach(function (g) {
      g.hidden = g.querySelector("tr.finding:not([hidden])") === null;
    });
    hops.forEach(function (h) {
      h.hidden = hop !== "" && h.dataset.hop !== hop;
      var has = h.querySelector("tr.finding:not([hidden])") !== null;
      h.classList.toggle("filtered-empty", !has && h.querySelector("tr.finding") !== null);
    });
    shown.textContent = "Showing " + visible + " of " + rows.length + " findings";
  }

  // A filtered view can be linked to: report.html?severity=error&hop=1.15->1.16
  var params = new URLSearchParams(window.location.search);
  if (params.has("severity")) {
    var want = params.getAll("severity");
    Array.prototype.forEach.call(form.querySelectorAll("input[name=severity]"), function (c) { c.checked = want.indexOf(c.value) >= 0; });
  }
  ["rule", "hop"].forEach(function (name) {
    if (params.has(name)) { form.elements[name].value = params.get(name); }
  });

  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  document.getElementById("expand-all").addEventListener("click", function () {
    groups.forEach(function (g) { g.open = true; });
  });
  document.getElementById("collapse-all").addEventListener("click", function () {
    groups.forEach(function (g) { g.open = false; });
  });
  document.getElementById("reset").addEventListener("click", function () {
    form.reset();
    apply();
  });
  // Printing shows every rule group, whatever was collapsed on screen.
  window.addEventListener("beforeprint", function () { groups.forEach(function (g) { g.open = true; }); });
  apply();
})();
