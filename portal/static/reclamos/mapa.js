// The reclamo map: a click (or the device's position) marks the place and fills the
// latitude and longitude fields; typing in those fields moves the marker. Without
// JavaScript, or without Leaflet, the fields alone are the form.
(function () {
  "use strict";
  // The tiles and their credit come from the platform's setting, on this script's own tag.
  var script = document.currentScript;
  var TILES = script && script.getAttribute("data-tiles-url");
  var CREDIT = (script && script.getAttribute("data-attribution")) || "";
  var CENTER = [-26.8303, -65.2038]; // Plaza Independencia, San Miguel de Tucumán

  function number(input) {
    var value = parseFloat((input.value || "").replace(",", "."));
    return isNaN(value) ? null : value;
  }

  function start() {
    var box = document.getElementById("mapa");
    var lat = document.getElementById("f-lat");
    var lon = document.getElementById("f-lon");
    if (!box || !lat || !lon || typeof L === "undefined") { return; }
    var given = number(lat) !== null && number(lon) !== null;
    var map = L.map(box, { scrollWheelZoom: false }).setView(given ? [number(lat), number(lon)] : CENTER, given ? 17 : 14);
    if (TILES) {
      var credit = document.createElement("span");
      credit.textContent = CREDIT;
      L.tileLayer(TILES, { maxZoom: 19, attribution: credit.innerHTML }).addTo(map);
    }
    var marker = null;

    function place(point, fill) {
      if (marker) { marker.setLatLng(point); } else {
        marker = L.marker(point, { keyboard: false, alt: "Lugar del problema" }).addTo(map);
      }
      if (fill) {
        lat.value = point.lat.toFixed(6);
        lon.value = point.lng.toFixed(6);
      }
    }

    map.invalidateSize();
    if (given) { place(L.latLng(number(lat), number(lon)), false); }
    map.on("click", function (event) { place(event.latlng, true); });
    [lat, lon].forEach(function (input) {
      input.addEventListener("change", function () {
        if (number(lat) !== null && number(lon) !== null) {
          var point = L.latLng(number(lat), number(lon));
          place(point, false);
          map.panTo(point);
        }
      });
    });

    var mine = document.getElementById("mi-ubicacion");
    if (mine && navigator.geolocation) {
      mine.hidden = false;
      mine.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (position) {
          var point = L.latLng(position.coords.latitude, position.coords.longitude);
          place(point, true);
          map.setView(point, 17);
        });
      });
    }
  }

  document.addEventListener("DOMContentLoaded", start);
})();
