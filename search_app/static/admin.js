/* Admin pages, progressive enhancement only (the pages work without it: they refresh).
   - the ingest page polls /admin/ingest/status and shows done / total and the current file;
     when the run ends it reloads to show the report. */
(function () {
  "use strict";

  function setText(root, selector, text) {
    var el = root.querySelector(selector);
    if (el) el.textContent = text;
  }

  function pollIngest(box) {
    var url = box.getAttribute("data-status-url");
    var delay = 1000;
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error("status " + r.status); return r.json(); })
        .then(function (s) {
          // Finished: show the report (without the "has started" message of the address).
          if (!s.active) { window.location.replace(window.location.pathname); return; }
          setText(box, ".ingest-state", s.state === "starting" ? "Starting" : "Running");
          var counts = box.querySelector(".ingest-counts");
          var scanning = box.querySelector(".ingest-scanning");
          if (counts) counts.hidden = !s.total;
          if (scanning) scanning.hidden = !!s.total;
          setText(box, ".ingest-done", String(s.done));
          setText(box, ".ingest-total", String(s.total));
          setText(box, ".ingest-current", s.current || "\u2026");
          var bar = box.querySelector(".ingest-progress");
          if (bar) { bar.max = s.total || 1; bar.value = s.done; bar.textContent = s.percent + " %"; }
          delay = 1000;
          window.setTimeout(tick, delay);
        })
        .catch(function () { delay = Math.min(delay * 2, 10000); window.setTimeout(tick, delay); });
    }
    window.setTimeout(tick, delay);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("ingest-status");
    if (box && box.getAttribute("data-active") === "1") pollIngest(box);
  });
})();
