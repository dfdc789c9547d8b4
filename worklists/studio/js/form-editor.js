// The studio's form editor page (worklists/studio/form_editor.py): an outline of fields, the
// JSON Schema and UI schema texts side by side, and the live preview the server renders.
// The outline writes both texts on every change; typing in a text re-reads the outline when
// both texts are valid JSON. "Guardar" PUTs both files to the draft (X-CSRF-Token header).
import "./_form_editor.css";
import * as outline from "./_form_outline.js";
import { csrfToken } from "./_csrf";

const KIND_LABELS = {
  text: "Texto",
  number: "Número",
  date: "Fecha",
  choice: "Opciones",
  yesno: "Sí o no",
  file: "Archivo adjunto",
  map: "Punto en el mapa",
  group: "Grupo repetido",
  section: "Sección",
  other: "Avanzado (se edita en el texto)",
};
const SHORT_LABELS = { ...KIND_LABELS, other: "Avanzado" };
const NEW_KINDS = ["text", "number", "date", "choice", "yesno", "file", "map", "group", "section"];

function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) { continue; }
    if (key === "text") { node.textContent = value; } else if (key === "value" && tag === "input") {
      node.setAttribute("value", value); // the attribute too: tests and styles may select on it
    } else if (key in node && !key.includes("-") && key !== "list") {
      node[key] = value;
    } else { node.setAttribute(key, value === true ? "" : value); }
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) { node.append(child); }
  }
  return node;
}

function start(root) {
  const $ = (role) => root.querySelector(`[data-role="${role}"]`);
  const tree = $("outline");
  const schemaText = $("schema-text");
  const uiText = $("ui-text");
  const textStatus = $("text-status");
  const outlineStatus = $("outline-status");
  const saveStatus = $("save-status");
  const previewBox = $("preview");
  const previewStatus = $("preview-status");
  const token = csrfToken();
  let model = null;
  let uid = 0;
  const index = new Map(); // uid -> {field, list}
  const newDrafts = new Map(); // list key -> {label, kind} of the "add a field" controls
  let previewTimer = null;
  let previewSeq = 0;
  let textTimer = null;
  let saved = true;

  const label = (f) => f.label || f.id;

  function number(fields) {
    for (const f of fields) {
      if (!f.uid) { uid += 1; f.uid = `c${uid}`; }
      number(f.fields || []);
    }
  }

  function parseTexts() {
    try {
      const schema = JSON.parse(schemaText.value);
      const ui = uiText.value.trim() ? JSON.parse(uiText.value) : {};
      if (!schema || typeof schema !== "object" || Array.isArray(schema)) { throw new Error("El esquema debe ser un objeto JSON."); }
      if (!ui || typeof ui !== "object" || Array.isArray(ui)) { throw new Error("El esquema de interfaz debe ser un objeto JSON."); }
      return { schema, ui };
    } catch (e) {
      return { error: e.message };
    }
  }

  function reread() {
    const texts = parseTexts();
    if (texts.error) {
      textStatus.textContent = `Los textos no son JSON válido: ${texts.error} La lista de campos queda como estaba hasta que se corrijan.`;
      return false;
    }
    textStatus.textContent = "";
    model = outline.read(texts.schema, texts.ui);
    number(model.fields);
    draw();
    schedulePreview();
    return true;
  }

  // The outline changed: write both texts, draw it again, refresh the preview.
  function changed(message, redraw = true) {
    const written = outline.write(model);
    model.schema = written.schema;
    model.ui = written.ui;
    schemaText.value = `${JSON.stringify(written.schema, null, 2)}\n`;
    uiText.value = `${JSON.stringify(written.ui, null, 2)}\n`;
    outlineStatus.textContent = message || "";
    markUnsaved();
    if (redraw) { draw(); }
    schedulePreview();
  }

  function markUnsaved() {
    saved = false;
    saveStatus.textContent = "Hay cambios sin guardar.";
  }

  // ---- drawing ----

  function draw() {
    const active = document.activeElement;
    const focusId = active && tree.contains(active) ? active.id : null;
    const selection = focusId && "selectionStart" in active ? [active.selectionStart, active.selectionEnd] : null;
    index.clear();
    tree.replaceChildren(drawList(model.fields, "raiz", "Campos del formulario"));
    if (focusId) {
      const again = document.getElementById(focusId);
      if (again) {
        again.focus();
        if (selection && typeof again.setSelectionRange === "function") {
          try { again.setSelectionRange(selection[0], selection[1]); } catch (_e) { /* not a text input */ }
        }
      }
    }
  }

  function drawList(fields, key, name, owner) {
    const items = fields.map((f, i) => drawField(f, fields, i));
    const list = items.length ? h("ol", { class: "fe-lista", "aria-label": name }, items)
      : h("p", { class: "fe-vacio", text: "Todavía no hay campos." });
    return h("div", { class: "fe-grupo-campos" }, list, drawAdd(fields, key, owner));
  }

  function drawAdd(fields, key, owner) {
    const pending = newDrafts.get(key) || { label: "", kind: "text" };
    newDrafts.set(key, pending);
    const id = `fe-nuevo-${key}`;
    const kinds = h("select", { id: `${id}-tipo`, "data-act": "new-kind", "data-list": key },
      NEW_KINDS.map((k) => h("option", { value: k, text: KIND_LABELS[k], selected: k === pending.kind })));
    const input = h("input", { type: "text", id: `${id}-etiqueta`, value: pending.label, "data-act": "new-label", "data-list": key });
    const add = h("button", { type: "button", id: `${id}-agregar`, "data-act": "add", "data-list": key,
      text: owner ? `Agregar el campo a «${owner}»` : "Agregar el campo" });
    listsByKey.set(key, fields);
    return h("fieldset", { class: "fe-agregar" },
      h("legend", { text: owner ? `Campo nuevo de «${owner}»` : "Campo nuevo" }),
      h("div", { class: "campo" }, h("label", { for: `${id}-etiqueta`, text: "Etiqueta" }), input),
      h("div", { class: "campo" }, h("label", { for: `${id}-tipo`, text: "Tipo" }), kinds),
      add);
  }

  const listsByKey = new Map();

  function drawField(f, list, i) {
    index.set(f.uid, { field: f, list });
    const id = `fe-${f.uid}`;
    const act = (name, extra) => ({ "data-act": name, "data-uid": f.uid, ...(extra || {}) });
    const parts = [];
    parts.push(h("legend", { text: `${i + 1}. ${label(f)} (${SHORT_LABELS[f.kind]})` }));
    parts.push(h("div", { class: "campo" },
      h("label", { for: `${id}-etiqueta`, text: "Etiqueta" }),
      h("input", { type: "text", id: `${id}-etiqueta`, value: f.label, ...act("label") })));
    const kinds = f.kind === "other" ? [...NEW_KINDS, "other"] : NEW_KINDS;
    parts.push(h("div", { class: "campo" },
      h("label", { for: `${id}-tipo`, text: "Tipo" }),
      h("select", { id: `${id}-tipo`, ...act("kind") },
        kinds.map((k) => h("option", { value: k, text: KIND_LABELS[k], selected: k === f.kind })))));
    parts.push(h("div", { class: "campo campo-casilla" },
      h("input", { type: "checkbox", id: `${id}-obligatorio`, checked: f.required, ...act("required") }),
      h("label", { for: `${id}-obligatorio`, text: "Obligatorio" })));
    parts.push(h("div", { class: "campo" },
      h("label", { for: `${id}-ayuda`, text: "Ayuda (opcional)" }),
      h("input", { type: "text", id: `${id}-ayuda`, value: f.description, ...act("description") })));
    parts.push(h("p", { class: "fe-nombre" }, "Nombre en los datos: ", h("code", { text: f.id })));
    if (f.kind === "choice") {
      parts.push(h("div", { class: "campo" },
        h("label", { for: `${id}-opciones`, text: "Opciones (una por línea)" }),
        h("textarea", { id: `${id}-opciones`, rows: 4, ...act("options"), value: f.options.map((o) => o.label).join("\n") }),
        h("p", { class: "ayuda", id: `${id}-opciones-valores`, text: valuesText(f) })));
    }
    parts.push(drawCondition(f, list, id, act));
    if (f.kind === "group" || f.kind === "section") {
      const title = f.kind === "group" ? `Campos de cada fila de «${label(f)}»` : `Campos de «${label(f)}»`;
      parts.push(h("fieldset", { class: "fe-subcampos" },
        h("legend", { text: title }),
        drawList(f.fields, f.uid, `Campos de «${label(f)}»`, label(f))));
    }
    parts.push(h("div", { class: "fe-botones" },
      h("button", { type: "button", id: `${id}-subir`, ...act("up"), "aria-label": `Subir «${label(f)}»`, text: "Subir" }),
      h("button", { type: "button", id: `${id}-bajar`, ...act("down"), "aria-label": `Bajar «${label(f)}»`, text: "Bajar" }),
      h("button", { type: "button", id: `${id}-quitar`, ...act("remove"), "aria-label": `Quitar «${label(f)}»`, text: "Quitar" })));
    return h("li", { id, class: "fe-campo" }, h("fieldset", {}, parts));
  }

  function valuesText(f) {
    return `Valores guardados: ${f.options.map((o) => o.value).join(", ") || "ninguno"}`;
  }

  function drawCondition(f, list, id, act) {
    const targets = outline.conditionTargets(f, list);
    if (!targets.length && !f.when) { return null; }
    const on = f.when ? list.find((o) => o.id === f.when.field) : null;
    const select = h("select", { id: `${id}-si`, ...act("when-field") },
      h("option", { value: "", text: "Siempre", selected: !f.when }),
      targets.map((t) => h("option", { value: t.id, text: label(t), selected: Boolean(f.when && f.when.field === t.id) })));
    const parts = [h("div", { class: "campo" }, h("label", { for: `${id}-si`, text: "Mostrar" }), select)];
    if (f.when) {
      const values = outline.conditionValues(on);
      let control;
      if (values) {
        control = h("select", { id: `${id}-valor`, ...act("when-value") },
          values.map((v, n) => h("option", { value: String(n), text: v.label, selected: JSON.stringify(v.value) === JSON.stringify(f.when.value) })));
      } else {
        control = h("input", { type: on && on.kind === "number" ? "number" : "text", id: `${id}-valor`,
          value: f.when.value === null || f.when.value === undefined ? "" : String(f.when.value), ...act("when-value") });
      }
      parts.push(h("div", { class: "campo" }, h("label", { for: `${id}-valor`, text: `cuando «${on ? label(on) : f.when.field}» es` }), control));
    }
    return h("div", { class: "fe-condicion" }, parts);
  }

  // ---- acting ----

  function found(target) {
    return index.get(target.getAttribute("data-uid"));
  }

  function onInput(event) {
    const target = event.target;
    const act = target.getAttribute("data-act");
    if (!act) { return; }
    // Typed text acts on "input"; lists and boxes on "change" (their "input" would count twice).
    // A text's "change" comes on blur, just before a click: redrawing then would lose the click.
    const typed = target.tagName === "TEXTAREA" || (target.tagName === "INPUT" && target.type !== "checkbox");
    if (act === "options" && event.type === "change") { // the conditions reading these options show them now
      const hit = found(target);
      if (hit && hit.list.some((o) => o.when && o.when.field === hit.field.id)) { draw(); }
      return;
    }
    if (typed !== (event.type === "input")) { return; }
    if (act === "new-label" || act === "new-kind") {
      const pending = newDrafts.get(target.getAttribute("data-list"));
      if (act === "new-label") { pending.label = target.value; } else { pending.kind = target.value; }
      return;
    }
    const hit = found(target);
    if (!hit) { return; }
    const { field, list } = hit;
    if (act === "label") {
      outline.relabel(field, target.value, list);
    } else if (act === "kind") {
      field.kind = target.value;
      if (field.kind === "choice" && !field.options.length) { field.options = outline.newField("choice", "x", []).options; }
      outline.followTarget(field, list);
    } else if (act === "description") {
      field.description = target.value;
    } else if (act === "required") {
      field.required = target.checked;
    } else if (act === "options") {
      // Not drawn again while typed (a new empty line would vanish): only the values shown.
      field.options = outline.optionsFromLines(target.value, field.options);
      outline.followTarget(field, list);
      document.getElementById(`${target.id}-valores`).textContent = valuesText(field);
      changed("", false);
      return;
    } else if (act === "when-field") {
      if (!target.value) { field.when = null; } else {
        const on = list.find((o) => o.id === target.value);
        const values = outline.conditionValues(on);
        field.when = { field: target.value, value: values && values.length ? values[0].value : "" };
      }
    } else if (act === "when-value") {
      const on = list.find((o) => o.id === field.when.field);
      const values = outline.conditionValues(on);
      if (values) { field.when.value = values[Number(target.value)].value; } else if (on && on.kind === "number") {
        const n = parseFloat(target.value);
        field.when.value = Number.isFinite(n) ? n : target.value;
      } else { field.when.value = target.value; }
    } else { return; }
    changed();
  }

  function onClick(event) {
    const target = event.target.closest("button[data-act]");
    if (!target || !tree.contains(target)) { return; }
    const act = target.getAttribute("data-act");
    if (act === "add") {
      const key = target.getAttribute("data-list");
      const fields = listsByKey.get(key);
      const pending = newDrafts.get(key);
      const text = pending.label.trim();
      if (!text) {
        outlineStatus.textContent = "Escriba la etiqueta del campo nuevo.";
        document.getElementById(`fe-nuevo-${key}-etiqueta`).focus();
        return;
      }
      const field = outline.newField(pending.kind, text, fields);
      fields.push(field);
      number(fields);
      newDrafts.set(key, { label: "", kind: pending.kind });
      changed(`Se agregó «${text}».`);
      document.getElementById(`fe-nuevo-${key}-etiqueta`).focus();
      return;
    }
    const hit = found(target);
    if (!hit) { return; }
    const { field, list } = hit;
    const at = list.indexOf(field);
    if (act === "up" || act === "down") {
      if (!outline.move(list, at, act === "up" ? -1 : 1)) {
        outlineStatus.textContent = act === "up" ? `«${label(field)}» ya es el primero.` : `«${label(field)}» ya es el último.`;
        return;
      }
      changed(`«${label(field)}» quedó en el lugar ${list.indexOf(field) + 1} de ${list.length}.`);
    } else if (act === "remove") {
      outline.remove(list, at);
      const next = list[Math.min(at, list.length - 1)];
      changed(`Se quitó «${label(field)}».`);
      const focus = next ? document.getElementById(`fe-${next.uid}-etiqueta`) : null;
      if (focus) { focus.focus(); }
    }
  }

  // ---- preview and save ----

  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(preview, 300);
  }

  async function preview() {
    const texts = parseTexts();
    if (texts.error) { return; }
    previewSeq += 1;
    const seq = previewSeq;
    previewStatus.textContent = "Actualizando la vista previa…";
    try {
      const response = await fetch(root.getAttribute("data-preview-url"), {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
        body: JSON.stringify({ schema: texts.schema, ui: texts.ui }),
        credentials: "same-origin",
      });
      if (seq !== previewSeq) { return; }
      if (response.ok) {
        previewBox.innerHTML = await response.text();
        // form-map.js shows the maps of fields added after the page loaded on htmx's event.
        document.dispatchEvent(new CustomEvent("htmx:load", { detail: { elt: previewBox } }));
        previewBox.setAttribute("data-ready", String(seq));
        previewStatus.textContent = "";
      } else {
        const problem = await response.json().catch(() => ({}));
        previewStatus.textContent = `${problem.title || "No se puede mostrar el formulario"}: ${problem.detail || response.status}`;
      }
    } catch (_e) {
      if (seq === previewSeq) { previewStatus.textContent = "No se pudo pedir la vista previa; revise la conexión."; }
    }
  }

  async function put(name, text) {
    const url = root.getAttribute("data-files-url") + name.split("/").map(encodeURIComponent).join("/");
    const response = await fetch(url, {
      method: "PUT",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
      body: text,
      credentials: "same-origin",
    });
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      throw new Error(`${name}: ${problem.detail || problem.title || response.status}`);
    }
  }

  async function save() {
    const texts = parseTexts();
    if (texts.error) {
      saveStatus.textContent = `No se guardó: los textos no son JSON válido (${texts.error})`;
      return;
    }
    saveStatus.textContent = "Guardando…";
    try {
      await put(root.getAttribute("data-schema-name"), schemaText.value);
      await put(root.getAttribute("data-ui-name"), uiText.value);
      saved = true;
      const now = new Date();
      saveStatus.textContent = `Guardado a las ${now.toLocaleTimeString("es-AR", { hour: "2-digit", minute: "2-digit", hour12: false })}.`;
    } catch (e) {
      saveStatus.textContent = `No se guardó: ${e.message}`;
    }
  }

  function onTextInput() {
    markUnsaved();
    clearTimeout(textTimer);
    textTimer = setTimeout(reread, 400);
  }

  tree.addEventListener("input", onInput);
  tree.addEventListener("change", onInput);
  tree.addEventListener("click", onClick);
  tree.addEventListener("keydown", (event) => { // Enter in a new field's label adds it
    const target = event.target;
    if (event.key !== "Enter" || target.getAttribute("data-act") !== "new-label") { return; }
    event.preventDefault();
    document.getElementById(`fe-nuevo-${target.getAttribute("data-list")}-agregar`).click();
  });
  schemaText.addEventListener("input", onTextInput);
  uiText.addEventListener("input", onTextInput);
  $("save").addEventListener("click", save);
  const tryForm = $("try");
  if (tryForm) { // the analysts' form preview, in another tab, with the texts as they are now
    tryForm.addEventListener("submit", () => {
      tryForm.elements.esquema.value = schemaText.value;
      tryForm.elements.ui.value = uiText.value;
    });
  }
  // The preview is only to look at: its buttons (rows, alternatives) do not leave the page.
  previewBox.addEventListener("submit", (event) => event.preventDefault());
  window.addEventListener("beforeunload", (event) => {
    if (!saved) { event.preventDefault(); event.returnValue = ""; }
  });
  if (!reread()) {
    model = { fields: [], schema: {}, ui: {} };
    draw();
  }
  saved = true;
  saveStatus.textContent = "";
  root.setAttribute("data-started", "true");
}

document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("form-editor");
  if (root) { start(root); }
});
