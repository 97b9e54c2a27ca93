// orderhub console: confirm dialogs for dangerous forms, "select all" for bulk
// replay, auto-submitting vendor pickers and live dashboard counters. The pages work
// without it.
(function () {
  "use strict";
  document.addEventListener("submit", function (e) {
    var f = e.target;
    var msg = f.getAttribute && f.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  }, true);
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t.id === "select-all") {
      document.querySelectorAll("input.pick").forEach(function (c) { c.checked = t.checked; });
    }
    if (t.hasAttribute && t.hasAttribute("data-autosubmit")) { t.form.submit(); }
  });
  var live = document.getElementById("live");
  if (!live) { return; }
  var last = function (a) { return a && a.length ? a[a.length - 1] : 0; };
  function refresh() {
    fetch(live.getAttribute("data-src"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) { return; }
        var v = { ordersNow: last(s.ordersPerMinute), contractsNow: last(s.contractsPerMinute), deliveriesNow: last(s.deliveriesPerMinute),
          queueDepth: s.queueDepth, oldestPending: s.oldestPending, dead: s.dead };
        live.querySelectorAll("[data-k]").forEach(function (el) {
          var k = el.getAttribute("data-k");
          if (!(k in v)) { return; }
          var a = el.querySelector("a");
          (a || el).textContent = String(v[k]);
        });
      })
      .catch(function () {});
  }
  setInterval(refresh, 5000);
})();
