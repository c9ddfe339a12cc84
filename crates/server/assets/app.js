// Progressive enhancement only: every page works without this file.
// 1. Drafts: a half-filled form survives a closed tab (kept in this browser only,
//    under a key of the logged-in account, and removed when nobody is logged in).
// 2. Inline hints: an ID number's check digit is checked as soon as the field is left;
//    the server checks everything again and has the last word.
(function () {
  "use strict";
  // Nobody is logged in (after logout, or before login): no draft of anyone stays
  // in this browser for the next person to find.
  if (document.body.hasAttribute("data-clear-drafts") && window.localStorage) {
    var stale = [];
    for (var i = 0; i < localStorage.length; i++) {
      var name = localStorage.key(i);
      if (name && name.indexOf("draft-") === 0) { stale.push(name); }
    }
    stale.forEach(function (name) { localStorage.removeItem(name); });
  }
  var form = document.querySelector("form[data-draft]");
  if (form && window.localStorage) {
    var key = form.getAttribute("data-draft");
    var fields = form.querySelectorAll("input[name]:not([type=hidden]), select[name], textarea[name]");
    var saved = null;
    try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
    if (saved) {
      var restored = 0;
      fields.forEach(function (field) {
        if (!field.value && saved[field.name]) { field.value = saved[field.name]; restored++; }
      });
      if (restored > 0) {
        var note = document.createElement("p");
        note.className = "notice";
        note.setAttribute("role", "status");
        note.textContent = "已恢复您上次未提交的草稿（" + restored + " 项）。";
        form.insertBefore(note, form.firstChild);
      }
    }
    var save = function () {
      var data = {};
      fields.forEach(function (field) { if (field.value) { data[field.name] = field.value; } });
      try { localStorage.setItem(key, JSON.stringify(data)); } catch (e) { /* storage full or disabled */ }
    };
    form.addEventListener("input", save);
    form.addEventListener("change", save);
  }
  var done = document.querySelector("[data-clear-draft]");
  if (done && window.localStorage) { localStorage.removeItem(done.getAttribute("data-clear-draft")); }

  var weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var checks = "10X98765432";
  function idProblem(value) {
    if (!value) { return ""; }
    if (value.length !== 18) { return "公民身份号码应为18位，现在是" + value.length + "位"; }
    if (!/^\d{17}[\dXx]$/.test(value)) { return "公民身份号码前17位应为数字，最后一位为数字或X"; }
    var sum = 0;
    for (var i = 0; i < 17; i++) { sum += Number(value.charAt(i)) * weights[i]; }
    var expected = checks.charAt(sum % 11);
    if (value.charAt(17).toUpperCase() !== expected) { return "公民身份号码校验码不对，请核对（按前17位应为" + expected + "）"; }
    return "";
  }
  document.querySelectorAll("input[data-kind=id_number]").forEach(function (input) {
    input.addEventListener("blur", function () {
      var problem = idProblem(input.value.trim());
      var id = input.id + "-live";
      var existing = document.getElementById(id);
      if (existing) { existing.remove(); }
      if (problem) {
        var p = document.createElement("p");
        p.className = "field-error";
        p.id = id;
        p.setAttribute("role", "alert");
        p.textContent = problem;
        input.parentNode.insertBefore(p, input);
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", id);
      } else {
        input.removeAttribute("aria-invalid");
      }
    });
  });
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
