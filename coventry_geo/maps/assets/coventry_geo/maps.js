/* coventry_geo map helpers (MIT). Text from data is inserted with textContent only. */
(function (root) {
  "use strict";
  var L = root.L;

  function escapeHtml(text) {
    return String(text)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  /* A box with a title and a two-column table: rows = [[label, text], ...]. */
  function infoBox(title, rows) {
    var box = el("div", "cg-info");
    box.appendChild(el("strong", "cg-info-title", title));
    var table = el("table");
    (rows || []).forEach(function (row) {
      var tr = el("tr");
      tr.appendChild(el("th", null, row[0]));
      tr.appendChild(el("td", null, row[1]));
      table.appendChild(tr);
    });
    box.appendChild(table);
    return box;
  }

  /* Tooltip (hover) with properties.title and properties.rows on every feature. */
  function bindInfo(geojson) {
    geojson.eachLayer(function (layer) {
      var props = layer.feature.properties;
      layer.bindTooltip(function () { return infoBox(props.title, props.rows); },
                        {sticky: true, className: "cg-tooltip"});
      if (layer.setStyle) {
        layer.on("mouseover", function () { layer.setStyle({weight: 3}); });
        layer.on("mouseout", function () { geojson.resetStyle(layer); });
      }
    });
  }

  /* Legend element: spec = {title, items: [{color, label, line}]} */
  function legend(spec) {
    var box = el("div", "cg-legend");
    box.appendChild(el("strong", "cg-legend-title", spec.title));
    var list = el("ul");
    spec.items.forEach(function (item) {
      var li = el("li");
      var swatch = el("span", item.line ? "cg-swatch cg-swatch-line" : "cg-swatch");
      swatch.setAttribute("aria-hidden", "true");
      if (item.line) { swatch.style.borderColor = item.color; }
      else { swatch.style.background = item.color; }
      li.appendChild(swatch);
      li.appendChild(el("span", null, item.label));
      list.appendChild(li);
    });
    box.appendChild(list);
    return box;
  }

  /* A legend control shown while `layer` is on the map. */
  function linkLegend(map, layer, spec) {
    var control = L.control({position: "bottomright"});
    control.onAdd = function () { return legend(spec); };
    if (map.hasLayer(layer)) { control.addTo(map); }
    layer.on("add", function () { control.addTo(map); });
    layer.on("remove", function () { control.remove(); });
    return control;
  }

  /* Leaflet's attribution control inserts HTML: escape plain text first. */
  function addAttribution(map, text) {
    map.attributionControl.addAttribution(escapeHtml(text));
  }

  /* A heading control in the top-left corner. */
  function addTitle(map, text) {
    var control = L.control({position: "topleft"});
    control.onAdd = function () { return el("h1", "cg-title", text); };
    control.addTo(map);
    return control;
  }

  function markRendered() {
    root.coventryGeoRenderMs = root.performance.now();
    document.documentElement.setAttribute("data-rendered", "true");
  }

  root.CoventryGeo = {
    escapeHtml: escapeHtml, el: el, infoBox: infoBox, bindInfo: bindInfo,
    legend: legend, linkLegend: linkLegend, addAttribution: addAttribution, addTitle: addTitle,
    markRendered: markRendered
  };
})(window);
