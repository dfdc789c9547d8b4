// The public reclamos map: the month's hex zones from the cells' GeoJSON, shaded by how many
// reclamos they hold. The table below the map has the same numbers; without JavaScript or
// Leaflet the table alone is the page.
(function () {
  "use strict";
  var script = document.currentScript;
  var CELLS = script && script.getAttribute("data-cells-url");
  var TILES = script && script.getAttribute("data-tiles-url");
  var CREDIT = (script && script.getAttribute("data-attribution")) || "";
  var CENTER = [-26.8303, -65.2038]; // Plaza Independencia, San Miguel de Tucumán

  function shade(total, top) {
    var share = top ? total / top : 0;
    return share > 0.66 ? "#7a0019" : share > 0.33 ? "#c0392b" : "#e67e22";
  }

  function describe(p) {
    var box = document.createElement("div");
    var lines = [p.categoria, "Reclamos: " + p.total, "Abiertos: " + p.abiertos, "Resueltos: " + p.resueltos,
                 "Mediana hasta resolver: " + (p.mediana === null ? "—" : String(p.mediana).replace(".", ",")) + " días hábiles"];
    lines.forEach(function (text) { var line = document.createElement("div"); line.textContent = text; box.appendChild(line); });
    return box;
  }

  function draw(map, data) {
    var top = 0;
    data.features.forEach(function (f) { top = Math.max(top, f.properties.total); });
    var layer = L.geoJSON(data, {
      style: function (f) { return { color: shade(f.properties.total, top), weight: 1, fillOpacity: 0.45 }; },
      onEachFeature: function (f, shape) { shape.bindPopup(describe(f.properties)); }
    }).addTo(map);
    if (data.features.length) { map.fitBounds(layer.getBounds(), { maxZoom: 15 }); }
  }

  function start() {
    var box = document.getElementById("mapa-reclamos");
    if (!box || !CELLS || typeof L === "undefined") { return; }
    var map = L.map(box, { scrollWheelZoom: false }).setView(CENTER, 13);
    if (TILES) {
      var credit = document.createElement("span");
      credit.textContent = CREDIT;
      L.tileLayer(TILES, { maxZoom: 19, attribution: credit.innerHTML }).addTo(map);
    }
    fetch(CELLS, { credentials: "same-origin" })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (data) { if (data) { draw(map, data); } })
      .catch(function () { /* the table below has the same numbers */ });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
