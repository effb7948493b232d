/* coventry_geo green-and-blue map (MIT). Data: window.COVENTRY_GEO_SITE (data/layers.js).
   Text from data is inserted with textContent only. */
(function (root) {
  "use strict";
  var L = root.L, CG = root.CoventryGeo, site = root.COVENTRY_GEO_SITE;
  var map = L.map("map", {zoomControl: true, keyboard: true});
  map.getContainer().setAttribute("aria-label", "Map: " + site.title);
  map.fitBounds(site.bounds);
  L.control.scale({imperial: false}).addTo(map);
  if (site.tiles) {
    L.tileLayer(site.tiles.url, {maxZoom: site.tiles.maxZoom,
      attribution: CG.escapeHtml(site.tiles.attribution)}).addTo(map);
  }
  site.attribution.forEach(function (line) { CG.addAttribution(map, line); });

  var entries = [];           /* search index: {text, label, feature layer, entry} */
  var details = document.getElementById("details");

  function showDetails(props) {
    details.textContent = "";
    details.appendChild(CG.infoBox(props.title, props.rows));
  }

  function vectorLayer(spec) {
    var layer = L.geoJSON(spec.data, {
      style: function (feature) {
        var style = L.extend({className: "cg-" + spec.id}, spec.style);
        if (feature.properties.fill) { style.fillColor = feature.properties.fill; }
        if (feature.properties.stroke) { style.color = feature.properties.stroke; }
        return style;
      }
    });
    CG.bindInfo(layer);
    layer.eachLayer(function (f) {
      f.on("click", function () { showDetails(f.feature.properties); });
      if (spec.searchable) {
        entries.push({text: f.feature.properties.title.toLowerCase(),
                      label: f.feature.properties.title + " (" + spec.itemName + ")",
                      feature: f, spec: spec});
      }
    });
    return layer;
  }

  function canopyLayer(spec) {
    map.createPane("canopy").style.zIndex = 350;
    return L.imageOverlay(spec.url, spec.bounds, {pane: "canopy", alt: spec.alt,
                                                   className: "cg-canopy"});
  }

  /* Checkbox + legend for every layer, in the side panel. */
  var panel = document.getElementById("layers");
  var toggles = {};
  function addToggle(spec, layer) {
    var box = CG.el("div", "gb-layer");
    var input = CG.el("input");
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
    if (spec.legend.length) {
      box.appendChild(CG.legend({title: "", items: spec.legend}));
    }
    panel.appendChild(box);
    toggles[spec.id] = input;
    if (spec.visible) { layer.addTo(map); }
  }

  var pending = 0;
  function done() { pending -= 1; if (pending === 0) { CG.markRendered(); } }
  site.layers.forEach(function (spec) {
    var layer;
    if (spec.kind === "image") {
      layer = canopyLayer(spec);
      if (spec.visible) {
        pending += 1;
        layer.once("load error", done);
      }
    } else {
      layer = vectorLayer(spec);
    }
    addToggle(spec, layer);
  });

  /* Search by ward or site name. */
  var input = document.getElementById("search");
  var results = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  function select(entry) {
    var toggle = toggles[entry.spec.id];
    if (!toggle.checked) { toggle.checked = true; toggle.dispatchEvent(new Event("change")); }
    map.fitBounds(entry.feature.getBounds(), {maxZoom: 17});
    entry.feature.openTooltip(entry.feature.getBounds().getCenter());
    showDetails(entry.feature.feature.properties);
  }
  input.addEventListener("input", function () {
    var query = input.value.trim().toLowerCase();
    results.textContent = "";
    if (!query) { status.textContent = ""; return; }
    var found = entries.filter(function (e) { return e.text.indexOf(query) !== -1; });
    status.textContent = found.length + (found.length === 1 ? " result" : " results");
    found.slice(0, 20).forEach(function (entry) {
      var li = CG.el("li");
      var button = CG.el("button", "gb-result", entry.label);
      button.type = "button";
      button.addEventListener("click", function () { select(entry); });
      li.appendChild(button);
      results.appendChild(li);
    });
  });

  /* The skip link moves keyboard focus into the search box. */
  document.querySelector(".gb-skip").addEventListener("click", function (event) {
    event.preventDefault();
    input.focus();
  });

  pending += 1;
  done();
})(window);
