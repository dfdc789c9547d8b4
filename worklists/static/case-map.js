// The places of a case (worklists/_places.html) on Leaflet maps, for staff to look at: one
// marker per box, no editing. The coordinates stay written under each map. The tiles' URL
// and credit come from this script's data attributes (TRAMITES_MAP_TILES_URL); without them
// the map is grey with its marker. Leaflet positions its parts through the CSSOM, which the
// CSP (no inline styles) allows. Each drawn box gets data-map-ready.
(function () {
  "use strict";
  var script = document.currentScript;
  var TILES = script ? script.getAttribute("data-tiles-url") : null;
  var CREDIT = script ? script.getAttribute("data-attribution") || "" : "";
  var ZOOM = 16;

  function asText(text) {
    var holder = document.createElement("span");
    holder.textContent = text;
    return holder.innerHTML;
  }

  function show(box) {
    var point = L.latLng(parseFloat(box.getAttribute("data-lat")), parseFloat(box.getAttribute("data-lon")));
    var map = L.map(box, { scrollWheelZoom: false, zoomControl: false, keyboard: false });
    L.control.zoom({ zoomInTitle: "Acercar", zoomOutTitle: "Alejar" }).addTo(map);
    if (TILES) { L.tileLayer(TILES, { maxZoom: 19, attribution: asText(CREDIT) }).addTo(map); }
    map.setView(point, ZOOM);
    L.marker(point, { keyboard: false, alt: box.getAttribute("data-label") || "" }).addTo(map);
    box.setAttribute("data-map-ready", "true");
  }

  function start() {
    if (typeof L === "undefined") { return; }
    Array.prototype.forEach.call(document.querySelectorAll(".lugar-mapa[data-lat][data-lon]"), show);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
