// The map of a form's point ("ui:widget": "mapa", see forms/maps.py), as progressive
// enhancement. The form library writes the latitude and longitude inputs and a hidden box
// with data attributes; this script shows the box as a Leaflet map: a click (or a tap)
// marks the point and fills the inputs, the marker can be dragged, and typing in the inputs
// moves the marker. Keyboard users keep the inputs; on the focused map the arrows pan,
// +/- zoom, Enter marks the centre, and Tab leaves as from any other control.
// The tiles' URL and credit come from this script's own data attributes
// (TRAMITES_MAP_TILES_URL); a tile that fails to load only leaves the map grey.
(function () {
  "use strict";
  var script = document.currentScript;
  var TILES = script ? script.getAttribute("data-tiles-url") : null;
  var CREDIT = script ? script.getAttribute("data-attribution") || "" : "";
  var POINT_ZOOM = 17;

  function number(input) {
    var value = parseFloat((input.value || "").replace(",", "."));
    return isFinite(value) ? value : null;
  }

  function pointOf(lat, lon) {
    var a = number(lat), b = number(lon);
    if (a === null || b === null || Math.abs(a) > 90 || Math.abs(b) > 180) { return null; }
    return L.latLng(a, b);
  }

  // Leaflet writes attributions as HTML: the configured credit is shown as text.
  function asText(text) {
    var holder = document.createElement("span");
    holder.textContent = text;
    return holder.innerHTML;
  }

  function center(box) {
    var parts = (box.getAttribute("data-center") || "").split(",").map(parseFloat);
    return parts.length === 2 && isFinite(parts[0]) && isFinite(parts[1]) ? L.latLng(parts[0], parts[1])
      : L.latLng(-26.8083, -65.2176);
  }

  function status(box) {
    var id = box.id + "-estado";
    var found = document.getElementById(id);
    if (!found) {
      found = document.createElement("p");
      found.id = id;
      found.className = "mapa-estado";
      found.setAttribute("role", "status");
      box.parentNode.appendChild(found);
    }
    return found;
  }

  function show(box) {
    var lat = document.getElementById(box.getAttribute("data-lat-input"));
    var lon = document.getElementById(box.getAttribute("data-lon-input"));
    if (!lat || !lon || box.getAttribute("data-map-ready")) { return; }
    box.setAttribute("data-map-ready", "1");
    box.parentNode.hidden = false; // before L.map: Leaflet measures the box
    var readonly = box.hasAttribute("data-readonly");
    var given = pointOf(lat, lon);
    var map = L.map(box, { scrollWheelZoom: false, zoomControl: false });
    L.control.zoom({ zoomInTitle: "Acercar", zoomOutTitle: "Alejar" }).addTo(map);
    if (TILES) {
      L.tileLayer(TILES, { maxZoom: 19, attribution: asText(CREDIT) }).addTo(map);
    }
    map.setView(given || center(box), given ? POINT_ZOOM : parseInt(box.getAttribute("data-zoom"), 10) || 13);
    var marker = null;
    var filling = false;

    function place(point, fill) {
      if (marker) { marker.setLatLng(point); } else {
        marker = L.marker(point, { draggable: !readonly, keyboard: false, alt: "Punto marcado en el mapa" }).addTo(map);
        marker.on("dragend", function () { place(marker.getLatLng(), true); });
      }
      if (!fill) { return; }
      filling = true; // our own events must not move the marker back
      lat.value = point.lat.toFixed(6);
      lon.value = point.lng.toFixed(6);
      [lat, lon].forEach(function (input) {
        input.dispatchEvent(new Event("input", { bubbles: true }));
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
      filling = false;
      status(box).textContent = "Punto marcado: latitud " + lat.value + ", longitud " + lon.value + ".";
    }

    if (given) { place(given, false); }
    if (!readonly) {
      map.on("click", function (event) { place(event.latlng, true); });
      box.addEventListener("keydown", function (event) {
        if (event.target !== box || (event.key !== "Enter" && event.key !== " ")) { return; }
        event.preventDefault(); // Enter must not send the form, Space must not scroll
        place(map.getCenter(), true);
      });
    }
    [lat, lon].forEach(function (input) {
      input.addEventListener("change", function () {
        var point = pointOf(lat, lon);
        if (filling || !point) { return; }
        place(point, false);
        map.panTo(point);
      });
    });
  }

  function start(root) {
    if (typeof L === "undefined" || !root || !root.querySelectorAll) { return; }
    var boxes = Array.prototype.slice.call(root.querySelectorAll("[data-map]"));
    if (root.hasAttribute && root.hasAttribute("data-map")) { boxes.push(root); }
    boxes.forEach(show);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { start(document); });
  } else {
    start(document);
  }
  // Fields that htmx brings in later (an answer that shows the point, a new row).
  document.addEventListener("htmx:load", function (event) { start(event.detail && event.detail.elt); });
})();
