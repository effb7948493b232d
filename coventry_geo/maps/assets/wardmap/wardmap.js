/* coventry_geo ward map (MIT). Text from data is inserted with textContent only. */
(function (root) {
  "use strict";
  var L = root.L;
  var CG = root.CoventryGeo;
  var data = root.COVENTRY_GEO_WARDMAP;
  var el = CG.el;
  var doc = root.document;
  var byId = {};
  data.indicators.forEach(function (ind) { byId[ind.id] = ind; });
  var wards = data.wards.features;
  var state = {indicator: byId[data.default], ward: -1};
  var narrow = root.matchMedia("(max-width: 759px)");

  var map = L.map("map", {zoomSnap: 0.25, zoomControl: true});
  if (data.tiles) {
    L.tileLayer(data.tiles.url, {
      attribution: CG.escapeHtml(data.tiles.attribution), maxZoom: data.tiles.maxZoom
    }).addTo(map);
  }
  map.fitBounds(data.bounds);

  function fillOf(i) {
    var legend = state.indicator.legend;
    return legend.items[legend.index[i]].color;
  }

  function styleOf(feature) {
    var i = feature.id;
    var chosen = i === state.ward;
    return {
      fillColor: fillOf(i), fillOpacity: data.tiles ? 0.75 : 1,
      color: chosen ? "#000000" : "#3a3a3a", weight: chosen ? 3.5 : 1, opacity: 1
    };
  }

  var layer = L.geoJSON(data.wards, {style: styleOf, onEachFeature: bindWard}).addTo(map);
  var layers = [];
  layer.eachLayer(function (l) { layers[l.feature.id] = l; });

  /* ---- ward names: shown from one zoom step in from the whole city, where they fit ---- */
  var labels = L.layerGroup(wards.map(function (f) {
    return L.tooltip({permanent: true, direction: "center", className: "wm-label",
                      interactive: false, opacity: 1})
      .setLatLng(f.properties.at).setContent(el("span", null, f.properties.name));
  }));
  var labelZoom = map.getZoom() + 1;
  function showLabels() {
    if (map.getZoom() >= labelZoom) { labels.addTo(map); } else { labels.remove(); }
  }
  map.on("zoomend", showLabels);

  /* ---- tooltip: a page-level element above every control, beside the pointer ---- */
  var tip = doc.getElementById("tooltip");

  function tooltipRows(i) {
    var ind = state.indicator;
    var rows = [[ind.label, ind.values[i]]];
    if (ind.ranks[i] !== "\u2013") { rows.push(["Rank", ind.ranks[i] + " (" + ind.rankNote + ")"]); }
    if (ind.city) { rows.push([ind.cityLabel, ind.city]); }
    return rows;
  }

  function showTip(i, event) {
    tip.textContent = "";
    tip.appendChild(CG.infoBox(wards[i].properties.name, tooltipRows(i)));
    tip.hidden = false;
    placeTip(event.originalEvent);
  }

  function placeTip(ev) {
    var gap = 16;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    var x = ev.clientX + gap, y = ev.clientY + gap;
    if (x + w > root.innerWidth - 4) { x = ev.clientX - gap - w; }
    if (y + h > root.innerHeight - 4) { y = ev.clientY - gap - h; }
    tip.style.left = Math.max(4, x) + "px";
    tip.style.top = Math.max(4, y) + "px";
  }

  /* After a click (or a tap, which also fires mouseover) the details say it all: no
     tooltip on that ward until the pointer leaves it. Touch screens get no tooltip. */
  var quiet = -1;
  var touch = root.matchMedia("(hover: none)");

  function bindWard(feature, l) {
    var i = feature.id;
    l.on("mouseover", function (e) {
      if (i !== state.ward) { l.setStyle({weight: 2.5, color: "#000000"}); }
      if (i !== quiet && !touch.matches) { showTip(i, e); }
    });
    l.on("mousemove", function (e) { placeTip(e.originalEvent); });
    l.on("mouseout", function () {
      tip.hidden = true;
      quiet = -1;
      layer.resetStyle(l);
    });
    l.on("click", function () {
      tip.hidden = true;
      quiet = i;
      selectWard(i, false);
    });
  }

  /* ---- legend ---- */
  function renderLegend() {
    var ind = state.indicator;
    var box = doc.getElementById("legend");
    box.textContent = "";
    box.appendChild(el("h2", "wm-legend-title", ind.legend.title));
    var list = el("ul", "wm-legend-items");
    ind.legend.items.forEach(function (item) {
      var li = el("li");
      var swatch = el("span", "cg-swatch");
      swatch.setAttribute("aria-hidden", "true");
      swatch.style.background = item.color;
      li.appendChild(swatch);
      li.appendChild(el("span", null, item.label));
      list.appendChild(li);
    });
    box.appendChild(list);
    box.appendChild(el("p", "wm-method", "Classes: " + ind.legend.method));
    if (ind.city) { box.appendChild(el("p", "wm-method", ind.cityLabel + ": " + ind.city)); }
  }

  /* ---- details of the chosen ward ---- */
  function detailRow(table, ind, i, current) {
    var tr = el("tr", current ? "wm-current" : null);
    tr.appendChild(el("th", null, ind.legend.title));
    var value = el("td", null, ind.values[i]);
    if (ind.cityText !== "\u2013") {
      value.appendChild(el("span", "wm-city", (ind.cityLabel || "City") + ": " + ind.city));
    }
    tr.appendChild(value);
    tr.appendChild(el("td", "wm-rank", ind.ranks[i]));
    table.appendChild(tr);
  }

  function renderDetails() {
    var box = doc.getElementById("details");
    box.textContent = "";
    var i = state.ward;
    if (i < 0) {
      box.appendChild(el("p", "wm-hint", "Click a ward on the map, or find it by name, " +
        "to see its headline indicators."));
      doc.body.classList.remove("wm-ward-open");
      return;
    }
    var props = wards[i].properties;
    var close = el("button", "wm-close", "Close");
    close.type = "button";
    close.addEventListener("click", function () { selectWard(-1, false); });
    box.appendChild(close);
    box.appendChild(el("h2", "wm-ward-name", props.name));
    box.appendChild(el("p", "wm-code", "Ward code " + props.id));
    if (props.profile) {
      var a = el("a", "wm-profile", "Ward profile (printable page)");
      a.href = props.profile;
      box.appendChild(a);
    }
    var table = el("table", "wm-table");
    var caption = el("caption", null, "Headline indicators; rank among " + data.wardCount +
      " wards, 1 = worst (or highest, for indicators with no better or worse)");
    table.appendChild(caption);
    var head = el("tr");
    ["Indicator", "Ward (city)", "Rank"].forEach(function (t) {
      var th = el("th", null, t);
      th.scope = "col";
      head.appendChild(th);
    });
    var thead = el("thead");
    thead.appendChild(head);
    table.appendChild(thead);
    var body = el("tbody");
    var ids = [state.indicator.id].concat(data.headline.filter(function (id) {
      return id !== state.indicator.id;
    }));
    ids.forEach(function (id, n) { detailRow(body, byId[id], i, n === 0); });
    (data.notAssessed || []).forEach(function (gap) {
      var tr = el("tr", "wm-gap");
      tr.appendChild(el("th", null, gap.label));
      var value = el("td", null, "Not assessed");
      value.appendChild(el("span", "wm-city", gap.fix));
      tr.appendChild(value);
      tr.appendChild(el("td", "wm-rank", "\u2013"));
      body.appendChild(tr);
    });
    table.appendChild(body);
    box.appendChild(table);
    doc.body.classList.add("wm-ward-open");
  }

  /* ---- on phones the ward's details are a sheet over the bottom of the screen ---- */
  var sheet = doc.getElementById("details");

  /* Pixels of the map hidden under the sheet (0 when there is no sheet). */
  function coveredByDetails() {
    if (!narrow.matches || !doc.body.classList.contains("wm-ward-open")) { return 0; }
    var mapBox = map.getContainer().getBoundingClientRect();
    return Math.max(0, Math.min(mapBox.bottom, root.innerHeight) - sheet.getBoundingClientRect().top);
  }

  /* Let the page scroll everything (the legend too) above the sheet. */
  function makeRoomForDetails() {
    var open = narrow.matches && doc.body.classList.contains("wm-ward-open");
    doc.body.style.paddingBottom = open ? sheet.offsetHeight + "px" : "";
  }

  /* Bring the chosen ward into the part of the map that is not under the sheet:
     pan only when it fits, zoom out only when it does not; a search zooms to it. */
  function showWard(i, zoom) {
    var bounds = layers[i].getBounds();
    var pad = 16, covered = coveredByDetails();
    var size = map.getSize();
    var visible = L.bounds([pad, pad], [size.x - pad, size.y - covered - pad]);
    var nw = map.latLngToContainerPoint(bounds.getNorthWest());
    var se = map.latLngToContainerPoint(bounds.getSouthEast());
    if (!zoom && visible.contains(nw) && visible.contains(se)) { return; }
    map.fitBounds(bounds, {
      paddingTopLeft: [pad, pad], paddingBottomRight: [pad, covered + pad],
      maxZoom: zoom ? map.getZoom() + 1 : map.getZoom()
    });
  }

  function selectWard(i, zoom) {
    var previous = state.ward;
    state.ward = i;
    if (previous >= 0) { layer.resetStyle(layers[previous]); }
    if (i >= 0) {
      layers[i].setStyle(styleOf(wards[i]));
      layers[i].bringToFront();
    }
    renderDetails();
    makeRoomForDetails();
    if (i >= 0) { showWard(i, zoom); }
    writeHash();
  }

  /* ---- indicator ---- */
  var select = doc.getElementById("indicator");

  function setIndicator(id) {
    state.indicator = byId[id] || byId[data.default];
    select.value = state.indicator.id;
    doc.getElementById("indicator-about").textContent = state.indicator.about;
    layer.setStyle(styleOf);
    renderLegend();
    renderDetails();
    writeHash();
  }

  select.addEventListener("change", function () {
    setIndicator(select.value);
    if (narrow.matches) { openPanel(false); }
  });

  /* ---- ward search ---- */
  var search = doc.getElementById("ward-search");
  var results = doc.getElementById("search-results");
  var status = doc.getElementById("search-status");

  function fold(text) {
    return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function matches(query) {
    var q = fold(query).trim();
    if (!q) { return []; }
    var found = [];
    wards.forEach(function (f, i) { if (fold(f.properties.name).indexOf(q) >= 0) { found.push(i); } });
    return found;
  }

  function choose(i) {
    search.value = wards[i].properties.name;
    results.textContent = "";
    status.textContent = "";
    if (narrow.matches) { openPanel(false); }
    selectWard(i, true);
  }

  search.addEventListener("input", function () {
    var found = matches(search.value);
    results.textContent = "";
    found.slice(0, 10).forEach(function (i) {
      var li = el("li");
      var b = el("button", "wm-result", wards[i].properties.name);
      b.type = "button";
      b.addEventListener("click", function () { choose(i); });
      li.appendChild(b);
      results.appendChild(li);
    });
    status.textContent = search.value.trim() ?
      found.length + (found.length === 1 ? " ward found" : " wards found") : "";
  });
  search.addEventListener("keydown", function (e) {
    if (e.key === "Enter") {
      var found = matches(search.value);
      if (found.length) { e.preventDefault(); choose(found[0]); }
    }
  });

  /* ---- the panel on phones ---- */
  var toggle = doc.getElementById("panel-toggle");

  function openPanel(open) {
    doc.body.classList.toggle("wm-panel-open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) { select.focus(); } else if (narrow.matches) { toggle.focus(); }
  }

  toggle.addEventListener("click", function () {
    openPanel(!doc.body.classList.contains("wm-panel-open"));
  });
  doc.getElementById("panel-close").addEventListener("click", function () { openPanel(false); });
  doc.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && doc.body.classList.contains("wm-panel-open")) { openPanel(false); }
  });

  /* ---- #indicator=...&ward=... ---- */
  function readHash() {
    var out = {};
    root.location.hash.replace(/^#/, "").split("&").forEach(function (part) {
      var kv = part.split("=");
      if (kv.length === 2) { out[decodeURIComponent(kv[0])] = decodeURIComponent(kv[1]); }
    });
    return out;
  }

  function writeHash() {
    if (!state.indicator) { return; }
    var hash = "#indicator=" + encodeURIComponent(state.indicator.id);
    if (state.ward >= 0) { hash += "&ward=" + encodeURIComponent(wards[state.ward].properties.id); }
    try { root.history.replaceState(null, "", hash); } catch (err) { /* file:// in some browsers */ }
  }

  var start = readHash();
  setIndicator(start.indicator || data.default);
  wards.forEach(function (f, i) { if (f.properties.id === start.ward) { selectWard(i, false); } });
  CG.markRendered();
})(window);
