/* Admin pages, progressive enhancement only (the pages work without it: they refresh).
   - the ingest page polls /admin/ingest/status and shows done / total and the current file;
     when the run ends it reloads to show the report.
   - the upload form takes files dropped on it (added to the file field, listed below it);
     without script the file field works as usual. */
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

  function dropFiles(zone) {
    var input = zone.querySelector("input[type=file]");
    var form = zone.closest("form");
    if (!input || !form || typeof DataTransfer === "undefined") return;
    var max = parseInt(zone.getAttribute("data-max-files") || "0", 10);
    var list = document.createElement("ul");
    list.className = "drop-list";
    list.setAttribute("aria-live", "polite");
    zone.appendChild(list);
    var help = zone.querySelector(".help");
    if (help) help.textContent = "Drop files anywhere on this form, or choose them. " + help.textContent;

    function show() {
      list.textContent = "";
      Array.prototype.forEach.call(input.files, function (f) {
        var li = document.createElement("li");
        li.textContent = f.name + " (" + Math.max(1, Math.round(f.size / 1024)) + " KB)";
        list.appendChild(li);
      });
      if (max && input.files.length > max) {
        var warn = document.createElement("li");
        warn.className = "field-error";
        warn.textContent = "At most " + max + " files at once: remove some.";
        list.appendChild(warn);
      }
    }
    function highlight(on) {
      // (no stylesheet of its own: an outline set through the DOM is allowed by the CSP)
      form.style.outline = on ? "3px dashed currentColor" : "";
      form.style.outlineOffset = on ? "4px" : "";
    }
    function hasFiles(e) {
      return e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types || [], "Files") >= 0;
    }
    ["dragenter", "dragover"].forEach(function (type) {
      form.addEventListener(type, function (e) {
        if (!hasFiles(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = "copy";
        highlight(true);
      });
    });
    form.addEventListener("dragleave", function (e) {
      if (e.target === form || !form.contains(e.relatedTarget)) highlight(false);
    });
    form.addEventListener("drop", function (e) {
      if (!hasFiles(e)) return;
      e.preventDefault();
      highlight(false);
      // Files chosen before and files dropped now, together (a file field holds one list).
      var all = new DataTransfer();
      Array.prototype.forEach.call(input.files, function (f) { all.items.add(f); });
      Array.prototype.forEach.call(e.dataTransfer.files, function (f) { all.items.add(f); });
      input.files = all.files;
      show();
    });
    input.addEventListener("change", show);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("ingest-status");
    if (box && box.getAttribute("data-active") === "1") pollIngest(box);
    var zone = document.querySelector("[data-drop-files]");
    if (zone) dropFiles(zone);
  });
})();
