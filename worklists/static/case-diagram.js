// The case view's diagram: bpmn-js's NavigatedViewer shows the deployed BPMN; elements the
// case passed through get the "path-done" marker (with the flows between them), the open
// tasks "path-current". Colours live in worklists.css (the CSP allows no inline styles).
(function () {
  "use strict";
  var holder = document.getElementById("diagrama");
  if (!holder || typeof BpmnJS === "undefined") { return; }
  var done = JSON.parse(holder.getAttribute("data-done") || "[]");
  var current = JSON.parse(holder.getAttribute("data-current") || "[]");
  var viewer = new BpmnJS({ container: holder });
  viewer.importXML(holder.getAttribute("data-xml")).then(function () {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    var passed = {};
    done.forEach(function (id) { passed[id] = true; });
    current.forEach(function (id) { passed[id] = true; });
    done.forEach(function (id) {
      if (registry.get(id) && current.indexOf(id) < 0) { canvas.addMarker(id, "path-done"); }
    });
    current.forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, "path-current"); } });
    registry.filter(function (element) { return element.waypoints && element.source && element.target; })
      .forEach(function (flow) {
        if (passed[flow.source.id] && passed[flow.target.id]) { canvas.addMarker(flow.id, "path-done"); }
      });
    canvas.zoom("fit-viewport");
    window.addEventListener("resize", function () { canvas.zoom("fit-viewport"); });
    holder.setAttribute("data-ready", "true");
  }).catch(function () {
    holder.textContent = holder.getAttribute("data-error") || "No se pudo mostrar el diagrama.";
  });
}());
