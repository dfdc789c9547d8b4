// The case view's diagram: bpmn-js's NavigatedViewer shows the deployed BPMN; elements the
// case passed through get the "path-done" marker (with the flows between them), the open
// tasks "path-current". Colours live in worklists.css (the CSP allows no inline styles; a
// height set through the CSSOM is no inline style).
// The drawing fits the width of its box and the box's height follows the drawing's shape
// (within MIN_HEIGHT and MAX_HEIGHT; a taller drawing is panned by dragging). The buttons
// of the toolbar zoom in, out and back to the fitted width; the current zoom is written on
// the box as data-zoom.
(function () {
  "use strict";
  var holder = document.getElementById("diagrama");
  if (!holder || typeof BpmnJS === "undefined") { return; }
  var MIN_HEIGHT = 240, MAX_HEIGHT = 720, PAD = 16, STEP = 1.25, MIN_ZOOM = 0.1, MAX_ZOOM = 4;
  var done = JSON.parse(holder.getAttribute("data-done") || "[]");
  var current = JSON.parse(holder.getAttribute("data-current") || "[]");
  var viewer = new BpmnJS({ container: holder });

  function mark(canvas, registry) {
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
  }

  function show(canvas, scale) {
    holder.setAttribute("data-zoom", String(Math.round(scale * 1000) / 1000));
  }

  // The drawing as wide as the box (never larger than life), the box as tall as the drawing.
  function fit(canvas) {
    var inner = canvas.viewbox().inner;
    var width = holder.clientWidth;
    if (!inner.width || !width) { return; }
    var scale = Math.min(1, (width - 2 * PAD) / inner.width);
    var height = Math.max(MIN_HEIGHT, Math.min(MAX_HEIGHT, Math.ceil(inner.height * scale + 2 * PAD)));
    holder.style.height = height + "px";
    canvas.resized();
    canvas.viewbox({ x: inner.x - PAD / scale, y: inner.y - PAD / scale, width: width / scale, height: height / scale });
    show(canvas, scale);
  }

  function zoomBy(canvas, factor) {
    var scale = Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, canvas.zoom() * factor));
    var box = canvas.viewbox();
    canvas.zoom(scale, { x: box.x + box.width / 2, y: box.y + box.height / 2 });
    show(canvas, scale);
  }

  function tools(canvas) {
    var bar = document.querySelector("[data-diagram-tools='diagrama']");
    if (!bar) { return; }
    bar.hidden = false;
    bar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-zoom]");
      if (!button) { return; }
      var action = button.getAttribute("data-zoom");
      if (action === "fit") { fit(canvas); } else { zoomBy(canvas, action === "in" ? STEP : 1 / STEP); }
    });
  }

  viewer.importXML(holder.getAttribute("data-xml")).then(function () {
    var canvas = viewer.get("canvas");
    mark(canvas, viewer.get("elementRegistry"));
    fit(canvas);
    tools(canvas);
    var width = holder.clientWidth;
    window.addEventListener("resize", function () {
      if (holder.clientWidth !== width) { width = holder.clientWidth; fit(canvas); }
    });
    holder.setAttribute("data-ready", "true");
  }).catch(function () {
    holder.textContent = holder.getAttribute("data-error") || "No se pudo mostrar el diagrama.";
  });
}());
