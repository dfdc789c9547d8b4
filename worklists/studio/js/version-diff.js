// The version diff's diagrams: bpmn-js's NavigatedViewer shows the newer version; elements added
// since the older one get the "diff-added" marker and a «+ nuevo» badge, changed ones
// "diff-changed" and «~ cambiado»; the older version (in a <details>, drawn when first opened)
// gets "diff-removed" and «− quitado» on what the newer one dropped. The legend never relies on
// colour alone (line style and text differ too). Colours live in _version-diff.css: the CSP
// allows no inline styles.
import "bpmn-js/dist/assets/diagram-js.css";
import "bpmn-js/dist/assets/bpmn-js.css";
import "./_version-diff.css";

import { drawDiagram, idList as ids } from "./_diagram";

function badge(text, kind) {
  const element = document.createElement("span");
  element.className = "diff-badge diff-badge-" + kind;
  element.textContent = text;
  return element;
}

async function show(holder) {
  const viewer = await drawDiagram(holder);
  if (!viewer) return;
  const canvas = viewer.get("canvas");
  const registry = viewer.get("elementRegistry");
  const overlays = viewer.get("overlays");
  const marks = [
    ["diff-added", "+ " + (holder.getAttribute("data-label-added") || "nuevo"), ids(holder, "data-added")],
    ["diff-changed", "~ " + (holder.getAttribute("data-label-changed") || "cambiado"), ids(holder, "data-changed")],
    ["diff-removed", "− " + (holder.getAttribute("data-label-removed") || "quitado"), ids(holder, "data-removed")],
  ];
  for (const [marker, label, list] of marks) {
    for (const id of list) {
      const element = registry.get(id);
      if (!element) { continue; }
      canvas.addMarker(id, marker);
      // Lanes and flows are marked by their outline; shapes get a badge above them as well.
      if (!element.waypoints && element.type !== "bpmn:Lane" && element.type !== "bpmn:Participant") {
        overlays.add(id, "diff", { position: { top: -14, left: 0 }, html: badge(label, marker.slice(5)) });
      }
    }
  }
  canvas.zoom("fit-viewport");
  window.addEventListener("resize", () => canvas.zoom("fit-viewport"));
  viewers[holder.id] = viewer;
  holder.setAttribute("data-ready", "true");
}

// «Ver»: bring an element of the lists into view on its diagram, outlined for a moment.
const viewers = {};
let focused = null;

function locate(button) {
  const holder = document.getElementById(button.getAttribute("data-target"));
  const details = holder && holder.closest("details");
  if (details && !details.open) {
    details.open = true;  // its toggle draws the diagram; try again once it is there
    const retry = () => (viewers[holder.id] ? locate(button) : setTimeout(retry, 50));
    setTimeout(retry, 50);
    return;
  }
  const viewer = holder && viewers[holder.id];
  if (!viewer) { return; }
  const id = button.getAttribute("data-element");
  const canvas = viewer.get("canvas");
  const element = viewer.get("elementRegistry").get(id);
  if (!element) { return; }
  if (focused) { focused.canvas.removeMarker(focused.id, "diff-focus"); }
  canvas.zoom("fit-viewport");
  canvas.scrollToElement(element);
  canvas.addMarker(id, "diff-focus");
  focused = { canvas, id };
  holder.setAttribute("data-focus", id);
  holder.scrollIntoView({ block: "center" });
}

// The buttons are hidden until this script runs: without it they could do nothing.
for (const button of document.querySelectorAll(".diff-locate")) {
  if (document.getElementById(button.getAttribute("data-target"))) { button.hidden = false; }
}
document.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest(".diff-locate");
  if (button) { locate(button); }
});

const newer = document.getElementById("diagrama-diff");
if (newer) { show(newer); }
// A viewer cannot fit a hidden container: the older diagram is drawn when its <details> opens.
const older = document.getElementById("diagrama-anterior");
if (older) {
  const details = older.closest("details");
  const draw = () => { if (!older.hasAttribute("data-ready")) { show(older); } };
  if (!details || details.open) { draw(); } else { details.addEventListener("toggle", draw); }
}
