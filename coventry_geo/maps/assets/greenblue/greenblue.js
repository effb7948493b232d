/* coventry_geo green-and-blue map (MIT). Data: window.COVENTRY_GEO_SITE (data/layers.js);
   postcodes, when the site has them: window.COVENTRY_GEO_POSTCODES (data/postcodes.js, loaded
   on first use). Text from data is inserted with textContent only. */
(function (root) {
  "use strict";
  var L = root.L, CG = root.CoventryGeo, site = root.COVENTRY_GEO_SITE, doc = root.document;
  var $ = function (id) { return doc.getElementById(id); };
  var phone = root.matchMedia("(max-width: 600px)");

  var map = L.map("map", {zoomControl: true, keyboard: true, zoomSnap: 0.25});
  map.getContainer().setAttribute("aria-label", "Map: " + site.title);
  map.fitBounds(site.bounds);
  L.control.scale({imperial: false}).addTo(map);
  site.attribution.forEach(function (line) { CG.addAttribution(map, line); });
  map.createPane("canopy").style.zIndex = 350;
  map.createPane("access").style.zIndex = 380;  /* under the green spaces (overlayPane, 400) */
  map.createPane("outlines").style.zIndex = 450;

  var entries = [];   /* search index: {text, label, feature, spec} */
  var details = $("details"), status = $("search-status"), results = $("search-results");
  var selected = null, marker = null;

  /* ---------------------------------------------------------------- the panel / bottom sheet */
  var panel = $("panel"), toggle = $("sheet-toggle");
  function setOpen(open) {
    panel.setAttribute("data-open", open ? "true" : "false");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    toggle.querySelector(".gb-toggle-text").textContent =
      open ? "Show the map" : "Search, layers and data";
  }
  toggle.addEventListener("click", function () {
    setOpen(panel.getAttribute("data-open") !== "true");
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && phone.matches && panel.getAttribute("data-open") === "true") {
      setOpen(false);
      toggle.focus();
    }
  });
  /* On a phone, show the map again once a place is chosen. */
  function revealMap() { if (phone.matches) { setOpen(false); } }

  /* ---------------------------------------------------------------- layers */
  function styleOf(spec, feature) {
    var p = feature.properties, style = L.extend({className: "cg-" + spec.id}, spec.style);
    if (p.fill) { style.fillColor = p.fill; }
    if (p.stroke) { style.color = p.stroke; }
    if (p.dash) { style.dashArray = p.dash; }
    return style;
  }

  function vectorLayer(spec) {
    var layer = L.geoJSON(spec.data, {
      pane: spec.pane || "overlayPane",
      style: function (feature) { return styleOf(spec, feature); }
    });
    CG.bindInfo(layer);
    layer.eachLayer(function (f) {
      /* Shapes are not tab stops (Chromium focuses SVG paths that have focus listeners):
         the map is one focusable region, and every feature is in the panel's lists. */
      f.on("add", function () { f.getElement().setAttribute("tabindex", "-1"); });
      f.on("click", function () { choose({feature: f, spec: spec}, false); });
      f.on("mouseout", function () { if (selected && selected.feature === f) { highlight(selected); } });
      if (spec.searchable) {
        var title = f.feature.properties.title;
        entries.push({text: title.toLowerCase(), label: title, kind: spec.itemName,
                      feature: f, spec: spec});
      }
    });
    return layer;
  }

  function imageLayer(spec) {
    return L.imageOverlay(spec.url, spec.bounds,
                          {pane: "canopy", alt: spec.alt, className: "cg-canopy"});
  }

  function legend(items) {
    var list = CG.el("ul", "gb-legend");
    items.forEach(function (item) {
      var li = CG.el("li"), swatch = CG.el("span", "gb-swatch" + (item.line ? " gb-line" : ""));
      swatch.setAttribute("aria-hidden", "true");
      if (item.line) {
        swatch.style.borderTopColor = item.color;
        if (item.dash) { swatch.style.borderTopStyle = "dashed"; }
      } else {
        swatch.style.background = item.color;
        swatch.style.borderColor = item.outline || item.color;
        if (item.dash) { swatch.style.borderStyle = "dashed"; }
      }
      li.appendChild(swatch);
      li.appendChild(CG.el("span", null, item.label));
      list.appendChild(li);
    });
    return list;
  }

  var toggles = {}, layers = {};
  function layerToggle(spec, layer) {
    var box = CG.el("div", "gb-layer"), input = CG.el("input");
    input.type = "checkbox";
    input.id = "toggle-" + spec.id;
    input.checked = spec.visible;
    var label = CG.el("label", null, spec.name);
    label.htmlFor = input.id;
    input.addEventListener("change", function () {
      if (input.checked) { layer.addTo(map); } else { layer.remove(); }
    });
    box.appendChild(input);
    box.appendChild(label);
    if (spec.note) { box.appendChild(CG.el("p", "gb-note", spec.note)); }
    if (spec.legend && spec.legend.length) { box.appendChild(legend(spec.legend)); }
    toggles[spec.id] = input;
    layers[spec.id] = layer;
    if (spec.visible) { layer.addTo(map); }
    return box;
  }

  var pending = 1;
  function done() { pending -= 1; if (pending === 0) { CG.markRendered(); addBasemap(); } }
  var built = {};
  site.layers.forEach(function (spec) {
    var layer = spec.kind === "image" ? imageLayer(spec) : vectorLayer(spec);
    if (spec.kind === "image" && spec.visible) {
      pending += 1;
      layer.once("load error", done);
    }
    built[spec.id] = layerToggle(spec, layer);
  });
  site.groups.forEach(function (group) {
    var set = CG.el("fieldset", "gb-group");
    set.appendChild(CG.el("legend", null, group.name));
    if (group.note) { set.appendChild(CG.el("p", "gb-note", group.note)); }
    group.layers.forEach(function (id) { if (built[id]) { set.appendChild(built[id]); } });
    $("layers").appendChild(set);
  });

  /* ---------------------------------------------------------------- basemap (optional) */
  function addBasemap() {
    if (!site.tiles) { return; }
    /* Added after the data are drawn: the page never waits for tiles, and works without. */
    var warned = false;
    var tiles = L.tileLayer(site.tiles.url, {
      maxZoom: site.tiles.maxZoom, attribution: CG.escapeHtml(site.tiles.attribution)
    });
    tiles.on("tileerror", function () {
      if (warned) { return; }
      warned = true;
      $("basemap-status").textContent =
        "The background map could not be loaded; the green and blue layers are not affected.";
    });
    tiles.addTo(map);
    tiles.bringToBack();
    var box = CG.el("div", "gb-layer"), input = CG.el("input");
    input.type = "checkbox";
    input.id = "toggle-basemap";
    input.checked = true;
    var label = CG.el("label", null, "Background map (" + site.tiles.name + ")");
    label.htmlFor = input.id;
    input.addEventListener("change", function () {
      if (input.checked) { tiles.addTo(map); tiles.bringToBack(); } else { tiles.remove(); }
    });
    box.appendChild(input);
    box.appendChild(label);
    $("layers").querySelector("fieldset").appendChild(box);
  }

  /* ---------------------------------------------------------------- choosing a place */
  function showDetails(props) {
    details.textContent = "";
    details.appendChild(CG.infoBox(props.title, props.rows));
  }

  function highlight(entry) {
    if (selected && selected.feature !== entry.feature) {
      selected.spec.layer.resetStyle(selected.feature);
    }
    selected = entry;
    entry.feature.setStyle({weight: 4, color: "#000000", dashArray: null});
    if (entry.feature.bringToFront) { entry.feature.bringToFront(); }
  }

  function choose(entry, zoom) {
    var toggle = toggles[entry.spec.id], props = entry.feature.feature.properties;
    if (!toggle.checked) { toggle.checked = true; toggle.dispatchEvent(new Event("change")); }
    highlight(entry);
    showDetails(props);
    if (zoom) {
      revealMap();
      map.fitBounds(entry.feature.getBounds(), {maxZoom: 17, animate: false});
      entry.feature.closeTooltip();
      /* A popup (not the hover tooltip): it pans itself into view, also on a phone, where it
         is compact (narrower, smaller text) and closed by its button, a tap on the map or Esc. */
      L.popup({maxWidth: phone.matches ? 220 : 260, autoPanPadding: [12, 12],
               className: "gb-popup"})
        .setLatLng(props.at || entry.feature.getBounds().getCenter())
        .setContent(CG.infoBox(props.title, props.rows))
        .openOn(map);
    }
  }

  function resultButton(text, onclick) {
    var li = CG.el("li"), button = CG.el("button", "gb-result", text);
    button.type = "button";
    button.addEventListener("click", onclick);
    li.appendChild(button);
    return li;
  }

  /* ---------------------------------------------------------------- distances (near a point) */
  function metres(a, b, lat0) {  /* equirectangular, good to a few metres over a city */
    var k = Math.PI / 180 * 6371008.8;
    return [(b[0] - a[0]) * k * Math.cos(lat0 * Math.PI / 180), (b[1] - a[1]) * k];
  }
  function ringDistance(ring, p) {
    var best = Infinity, inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
      var a = metres(p, ring[i], p[1]), b = metres(p, ring[j], p[1]);
      if ((a[1] > 0) !== (b[1] > 0) && 0 < a[0] + (b[0] - a[0]) * (0 - a[1]) / (b[1] - a[1])) {
        inside = !inside;
      }
      var dx = b[0] - a[0], dy = b[1] - a[1], len = dx * dx + dy * dy;
      var t = len ? Math.max(0, Math.min(1, -(a[0] * dx + a[1] * dy) / len)) : 0;
      best = Math.min(best, Math.hypot(a[0] + t * dx, a[1] + t * dy));
    }
    return {distance: best, inside: inside};
  }
  function distanceTo(geometry, p) {
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates]
      : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
    var best = Infinity;
    polygons.forEach(function (rings) {
      var outer = ringDistance(rings[0], p), d = outer.distance, holes = false;
      rings.slice(1).forEach(function (ring) { if (ringDistance(ring, p).inside) { holes = true; } });
      best = Math.min(best, outer.inside && !holes ? 0 : d);
    });
    return best;
  }
  function distanceText(m) {
    if (m === 0) { return "you are in it"; }
    return m < 1000 ? (Math.round(m / 10) * 10) + " m" : (m / 1000).toFixed(1) + " km";
  }

  function showNearby(latlng, what) {
    var p = [latlng.lng, latlng.lat];
    if (marker) { marker.remove(); }
    marker = L.circleMarker(latlng, {radius: 8, color: "#000000", weight: 3, fillColor: "#ffbf47",
                                     fillOpacity: 1, interactive: false, pane: "outlines"})
      .addTo(map);
    marker.bindTooltip(what, {permanent: true, direction: "top", offset: [0, -8]});
    var near = entries.filter(function (e) { return e.spec.id === "greenspace"; })
      .map(function (e) { return {entry: e, d: distanceTo(e.feature.feature.geometry, p)}; })
      .sort(function (a, b) { return a.d - b.d; }).slice(0, 5);
    map.setView(latlng, Math.max(map.getZoom(), 15));
    results.textContent = "";
    status.textContent = "Nearest green spaces to " + what + ", in a straight line:";
    near.forEach(function (n) {
      var kind = n.entry.feature.feature.properties.rows[0][1];
      results.appendChild(resultButton(n.entry.label + " (" + kind + "), " + distanceText(n.d),
                                       function () { choose(n.entry, true); }));
    });
  }

  /* ---------------------------------------------------------------- postcodes */
  var postcodes = null, loading = false;
  function compact(text) { return text.toUpperCase().replace(/[^A-Z0-9]/g, ""); }
  function loadPostcodes() {
    if (!site.postcodes || postcodes || loading) { return; }
    loading = true;
    var script = doc.createElement("script");
    script.src = site.postcodes.url;
    script.onload = function () {
      postcodes = root.COVENTRY_GEO_POSTCODES.map(function (row) {
        return {code: row[0], key: compact(row[0]), latlng: L.latLng(row[2], row[1])};
      });
      search();
    };
    script.onerror = function () { loading = false; };
    doc.body.appendChild(script);
  }
  function postcodeMatches(query) {
    var key = compact(query);
    if (!postcodes || key.length < 2 || !/^[A-Z]{1,2}[0-9]/.test(key)) { return []; }
    return postcodes.filter(function (p) { return p.key.indexOf(key) === 0; });
  }

  /* ---------------------------------------------------------------- search */
  var input = $("search");
  function search() {
    var query = input.value.trim().toLowerCase();
    results.textContent = "";
    if (!query) { status.textContent = ""; return; }
    var found = entries.filter(function (e) { return e.text.indexOf(query) !== -1; });
    var codes = postcodeMatches(query);
    var total = found.length + codes.length;
    status.textContent = total + (total === 1 ? " result" : " results") +
      (total > 20 ? "; the first 20 are listed" : "");
    var places = found.map(function (e) {
      return resultButton(e.label + " (" + e.kind + ")", function () { choose(e, true); });
    });
    var codeItems = codes.map(function (p) {
      return resultButton(p.code + " (postcode)", function () {
        showNearby(p.latlng, p.code);
        revealMap();
      });
    });
    /* A query that starts like a postcode ("cv1 5") lists postcodes first. */
    var items = /^[a-z]{1,2}[0-9]/.test(query) ? codeItems.concat(places) : places.concat(codeItems);
    items.slice(0, 20).forEach(function (li) { results.appendChild(li); });
  }
  input.addEventListener("input", search);
  input.addEventListener("focus", loadPostcodes);

  /* Browse: every searchable layer as a list, built when opened. */
  site.layers.filter(function (s) { return s.searchable; }).forEach(function (spec) {
    var mine = entries.filter(function (e) { return e.spec === spec; })
      .sort(function (a, b) { return a.label.localeCompare(b.label); });
    var box = CG.el("details", "gb-browse");
    box.appendChild(CG.el("summary", null, "All " + mine.length + " " + spec.listName));
    var list = CG.el("ul", "gb-results");
    box.appendChild(list);
    box.addEventListener("toggle", function () {
      if (!box.open || list.childElementCount) { return; }
      mine.forEach(function (e) {
        list.appendChild(resultButton(e.label, function () { choose(e, true); }));
      });
    });
    $("browse").appendChild(box);
  });

  /* "Near me": browsers give the location only to secure pages (https, or localhost);
     a page opened from disk (file://) does not offer it. */
  var nearMe = $("near-me");
  if (root.isSecureContext && root.location.protocol !== "file:" && root.navigator.geolocation) {
    nearMe.hidden = false;
    nearMe.addEventListener("click", function () {
      status.textContent = "Finding your location…";
      root.navigator.geolocation.getCurrentPosition(function (position) {
        var here = L.latLng(position.coords.latitude, position.coords.longitude);
        if (!L.latLngBounds(site.bounds).pad(0.1).contains(here)) {
          status.textContent = "Your location is outside the area this map covers.";
          return;
        }
        showNearby(here, "your location");
        revealMap();
      }, function (error) {
        status.textContent = error.code === 1
          ? "Your browser did not share your location. Search by name or postcode instead."
          : "Your location could not be found. Search by name or postcode instead.";
      }, {enableHighAccuracy: false, timeout: 15000, maximumAge: 60000});
    });
  }

  /* The skip link moves keyboard focus into the search box (opening the sheet on a phone). */
  doc.querySelector(".gb-skip").addEventListener("click", function (event) {
    event.preventDefault();
    setOpen(true);
    input.focus();
  });

  site.layers.forEach(function (spec) { spec.layer = layers[spec.id]; });
  setOpen(false);
  done();
})(window);
