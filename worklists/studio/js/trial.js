// «Probar»: the test case's path on its diagram. bpmn-js's NavigatedViewer shows the version's
// BPMN (data-xml); the elements the case passed through (data-done, from the audit trail) get the
// "path-done" marker, with the flows between two of them, and its ready tasks (data-current) the
// "path-current" marker. Colours live in _trial.css (the CSP allows no inline styles).
import "bpmn-js/dist/assets/diagram-js.css";
import "bpmn-js/dist/assets/bpmn-js.css";
import "./_trial.css";

import { drawDiagram, idList } from "./_diagram";

export async function showPath(holder) {
  const done = idList(holder, "data-done");
  const current = idList(holder, "data-current");
  const viewer = await drawDiagram(holder);
  if (!viewer) return;
  const canvas = viewer.get("canvas");
  const registry = viewer.get("elementRegistry");
  const passed = new Set([...done, ...current]);
  for (const id of done) {
    if (registry.get(id) && !current.includes(id)) { canvas.addMarker(id, "path-done"); }
  }
  for (const id of current) {
    if (registry.get(id)) { canvas.addMarker(id, "path-current"); }
  }
  registry.filter((element) => element.waypoints && element.source && element.target).forEach((flow) => {
    if (passed.has(flow.source.id) && passed.has(flow.target.id)) { canvas.addMarker(flow.id, "path-done"); }
  });
  canvas.zoom("fit-viewport");
  window.addEventListener("resize", () => canvas.zoom("fit-viewport"));
  holder.setAttribute("data-ready", "true");
}

const holder = document.getElementById("recorrido");
if (holder) { showPath(holder); }
