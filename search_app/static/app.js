/* Progressive enhancement only: the site works without this file.
   - suggestions while typing (ARIA combobox + listbox)
   - a facet tick, sort or page-size change submits the search at once
   - a filter box for long facets
   - canonical URLs: the address the server would build (no redirect needed) */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  /* The canonical address of the form's search, as the server builds it (params.py):
     q, the facets in the page's order with each facet's values in the order the user chose
     them (those already in the address first, then new ones), year_from, year_to, then sort
     and size when not the default; empty fields left out. One search, one address. */
  function canonicalQuery(form) {
    var data = new FormData(form);
    var current = new URLSearchParams(window.location.search);
    var params = new URLSearchParams();
    function text(name) { var v = data.get(name); return typeof v === "string" ? v.trim() : ""; }
    if (text("q")) params.append("q", text("q"));
    document.querySelectorAll(".facet[data-facet]").forEach(function (fieldset) {
      var name = fieldset.getAttribute("data-facet");
      var chosen = data.getAll(name).map(function (v) { return String(v).trim(); })
        .filter(function (v) { return v !== ""; });
      var ordered = current.getAll(name).filter(function (v) { return chosen.indexOf(v) !== -1; });
      chosen.forEach(function (v) { if (ordered.indexOf(v) === -1) ordered.push(v); });
      ordered.forEach(function (v) { params.append(name, v); });
    });
    ["year_from", "year_to"].forEach(function (name) { if (text(name)) params.append(name, text(name)); });
    if (text("sort") && text("sort") !== "relevance") params.append("sort", text("sort"));
    if (text("size") && text("size") !== "10") params.append("size", text("size"));
    return params.toString();
  }

  function cleanSubmit(form) {
    var qs = canonicalQuery(form);
    window.location.assign((form.getAttribute("action") || "/") + (qs ? "?" + qs : ""));
  }

  function setupForm(form) {
    form.addEventListener("submit", function (ev) { ev.preventDefault(); cleanSubmit(form); });
    document.querySelectorAll('input[type="checkbox"][form="search"]').forEach(function (el) {
      el.addEventListener("change", function () { rememberFilters(); cleanSubmit(form); });
    });
    document.querySelectorAll("select.autosubmit").forEach(function (el) {
      el.addEventListener("change", function () { cleanSubmit(form); });
    });
  }

  // Text as the filter boxes compare it, as every search box of the site does: without
  // accents or case ("kozep" finds "Közép-Magyarország", "san sebastian" "San Sebastián"),
  // ß as ss, hyphens and other punctuation as spaces ("sud muntenia", "baden-wu").
  function folded(text) {
    return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().replace(/ß/g, "ss")
      .replace(/[^\p{L}\p{N}]+/gu, " ").trim();
  }

  function setupFacetFilters() {
    document.querySelectorAll(".facet-filter-slot").forEach(function (slot) {
      var facet = slot.closest(".facet");
      var id = "filter-" + facet.getAttribute("data-facet");
      var label = document.createElement("label");
      label.className = "visually-hidden";
      label.setAttribute("for", id);
      label.textContent = slot.getAttribute("data-label");
      var input = document.createElement("input");
      input.type = "search";
      input.id = id;
      input.className = "facet-filter";
      input.placeholder = slot.getAttribute("data-label") + "…";
      input.autocomplete = "off";
      slot.appendChild(label);
      slot.appendChild(input);
      var more = facet.querySelector(".facet-more");
      var summary = more && more.querySelector("summary");
      var told = summary && summary.textContent;  // "+N more": all the values under it
      var wasOpen = null;  // whether "+N more" was open before the filtering began
      input.addEventListener("input", function () {
        var words = folded(input.value).split(" ").filter(Boolean);
        facet.querySelectorAll(".facet-value").forEach(function (li) {
          var text = folded(li.querySelector(".facet-label").textContent);
          // every word typed is in the value, in any order
          li.hidden = !words.every(function (w) { return text.indexOf(w) !== -1; });
        });
        if (!more) return;
        if (words.length) {
          // The values under "+N more" that match are shown (opened), and the count says
          // how many they are; none: the "+N more" line goes (it would promise values).
          if (wasOpen === null) wasOpen = more.open;
          var found = more.querySelectorAll(".facet-value:not([hidden])").length;
          more.open = found > 0;
          more.hidden = found === 0;
          summary.textContent = "+" + found + " more";
        } else {
          summary.textContent = told;
          more.hidden = false;
          if (wasOpen !== null) more.open = wasOpen;
          wasOpen = null;
        }
      });
      input.addEventListener("keydown", function (ev) { if (ev.key === "Enter") ev.preventDefault(); });
    });
  }

  function setupSuggestions(form) {
    var input = document.getElementById("q");
    var list = document.getElementById("suggestions");
    if (!input || !list) return;
    var items = [], active = -1, timer = null, seq = 0;

    function close() {
      list.hidden = true; list.innerHTML = ""; items = []; active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function highlight(i) {
      active = i;
      Array.prototype.forEach.call(list.children, function (li, n) {
        li.setAttribute("aria-selected", n === i ? "true" : "false");
      });
      if (i >= 0) input.setAttribute("aria-activedescendant", "sugg-" + i);
      else input.removeAttribute("aria-activedescendant");
    }
    function choose(i) {
      var s = items[i];
      if (!s) return;
      if (s.kind === "title" && s.url) { window.location.assign(s.url); return; }
      input.value = s.text;
      close();
      cleanSubmit(form);
    }
    function render(data) {
      list.innerHTML = "";
      items = data.suggestions || [];
      if (!items.length) { close(); return; }
      items.forEach(function (s, i) {
        var li = document.createElement("li");
        li.id = "sugg-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var kind = document.createElement("span");
        kind.className = "kind";
        kind.textContent = s.kind === "title" ? "Document" : "Search";
        var text = document.createElement("span");
        text.textContent = s.text;  /* textContent: never markup */
        li.appendChild(kind); li.appendChild(text);
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      list.hidden = false; active = -1;
      input.setAttribute("aria-expanded", "true");
    }
    function fetchSuggestions() {
      var text = input.value;
      if (text.trim().length < 2) { close(); return; }
      var mine = ++seq;
      fetch("/api/suggest?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) { if (mine === seq && document.activeElement === input) render(data); })
        .catch(function () { close(); });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(fetchSuggestions, 120); });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") { clearTimeout(timer); seq++; }
      if (list.hidden) {
        if (ev.key === "ArrowDown" && input.value.trim().length >= 2) { fetchSuggestions(); ev.preventDefault(); }
        return;
      }
      if (ev.key === "ArrowDown") { highlight((active + 1) % items.length); ev.preventDefault(); }
      else if (ev.key === "ArrowUp") { highlight(active <= 0 ? items.length - 1 : active - 1); ev.preventDefault(); }
      else if (ev.key === "Enter" && active >= 0) { ev.preventDefault(); choose(active); }
      else if (ev.key === "Escape") { clearTimeout(timer); seq++; close(); ev.preventDefault(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  /* On a phone the Filters panel starts closed (results first). A tick reloads the page: the
     panel is then kept open, where it was scrolled to, so several ticks need one opening. */
  var FILTERS_KEY = "kb-filters-open";
  function rememberFilters() {
    var panel = document.getElementById("filters");
    try {
      if (panel && panel.open) sessionStorage.setItem(FILTERS_KEY, String(window.scrollY));
    } catch (e) { /* storage off: the panel just closes */ }
  }
  function recalledFilters() {
    try {
      var y = sessionStorage.getItem(FILTERS_KEY);
      sessionStorage.removeItem(FILTERS_KEY);
      return y;
    } catch (e) { return null; }
  }

  function setupFiltersPanel() {
    var panel = document.getElementById("filters");
    if (!panel) return;
    var narrow = window.matchMedia("(max-width: 860px)");
    var keep = recalledFilters();
    if (narrow.matches && keep === null) panel.open = false;  /* results first on a phone; chips show the filters */
    else if (narrow.matches) window.scrollTo(0, parseFloat(keep) || 0);
    panel.querySelector("summary").addEventListener("click", function (ev) {
      if (!narrow.matches) ev.preventDefault();  /* always open on wide screens */
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("search");
    if (form) { setupForm(form); setupSuggestions(form); }
    setupFacetFilters();
    setupFiltersPanel();
  });
})();
