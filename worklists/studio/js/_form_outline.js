// The form editor's outline: a list of fields a person edits with buttons, read from and
// written to a plain JSON Schema and UI schema (the vocabulary forms/ reads, guide §6).
// Pure functions, no DOM: form-editor.js draws the outline and calls these.
//
// A field is {id, label, kind, required, description, options, fields, when, schema, ui}:
// kind is one of KINDS; options [{value, label}] for a choice; fields (the row's own fields)
// for a repeated group; when {field, value} shows the field only while a sibling has that
// value (written as an allOf entry {if: {properties: {field: {const: value}}, required:
// [field]}, then: {properties: {id: ...}, required: [...]}}); schema and ui keep what the
// field had in the text, so keys the outline does not know survive an edit.

export const KINDS = ["text", "number", "date", "choice", "yesno", "file", "map", "group", "section", "other"];

const sameValue = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);
const copy = (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

// snake_case ASCII from a label: "Año de habilitación" -> "ano_de_habilitacion".
export function slug(label) {
  const ascii = String(label || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  let out = ascii.replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 60).replace(/_+$/, "");
  if (!out) { out = "campo"; }
  if (/^[0-9]/.test(out)) { out = `campo_${out}`; }
  return out;
}

// A name from `label` that no other name in `taken` has (a Set or an array).
export function uniqueId(label, taken) {
  const used = new Set(taken);
  const base = slug(label);
  if (!used.has(base)) { return base; }
  let n = 2;
  while (used.has(`${base}_${n}`)) { n += 1; }
  return `${base}_${n}`;
}

// What kind of field a property schema is (and its UI schema): "other" when the outline
// cannot edit it without losing something.
export function kindOf(schema, ui) {
  if (!isObject(schema)) { return "other"; }
  const type = schema.type;
  const widget = isObject(ui) ? ui["ui:widget"] : undefined;
  if (type === "object" && (widget === "mapa" || widget === "map")) { return "map"; }
  if (type === "array" && isObject(schema.items) && schema.items.type === "object") { return "group"; }
  if (type === "object" && !("$ref" in schema) && (schema.properties === undefined || isObject(schema.properties))) {
    return "section";
  }
  if (type === "boolean") { return "yesno"; }
  if (type === "number" || type === "integer") { return "number"; }
  if (type !== "string") { return "other"; }
  if (Array.isArray(schema.oneOf) && schema.oneOf.every((o) => isObject(o) && "const" in o)) { return "choice"; }
  if (Array.isArray(schema.enum)) { return "choice"; }
  if (schema.format === "documento") { return "file"; }
  if (schema.format === "date") { return "date"; }
  if (schema.format === undefined || ["email", "uri"].includes(schema.format)) { return "text"; }
  return "other";
}

function optionsOf(schema, ui) {
  if (Array.isArray(schema.oneOf)) {
    return schema.oneOf.map((o) => ({ value: String(o.const), label: typeof o.title === "string" ? o.title : String(o.const) }));
  }
  const names = Array.isArray(schema.enumNames) ? schema.enumNames
    : (isObject(ui) && Array.isArray(ui["ui:enumNames"]) ? ui["ui:enumNames"] : []);
  return (schema.enum || []).map((value, i) => ({ value: String(value), label: typeof names[i] === "string" ? names[i] : String(value) }));
}

// The condition an allOf entry (or the object's own if/then) states, when it is one the
// outline writes: one property compared with a constant, and fields added by `then`.
function conditionOf(entry) {
  if (!isObject(entry) || !isObject(entry.if) || !isObject(entry.then) || "else" in entry) { return null; }
  const test = entry.if;
  const keys = Object.keys(test).filter((k) => k !== "properties" && k !== "required");
  const props = isObject(test.properties) ? Object.keys(test.properties) : [];
  if (keys.length || props.length !== 1) { return null; }
  const on = test.properties[props[0]];
  if (!isObject(on) || !("const" in on) || Object.keys(on).length !== 1) { return null; }
  const then = entry.then;
  if (Object.keys(then).some((k) => k !== "properties" && k !== "required") || !isObject(then.properties)) { return null; }
  return { field: props[0], value: on.const, properties: then.properties, required: then.required || [] };
}

function readField(id, schema, ui, required, when) {
  const kind = kindOf(schema, ui);
  const s = isObject(schema) ? schema : {};
  const field = {
    id, label: typeof s.title === "string" ? s.title : id, kind, required: Boolean(required),
    description: typeof s.description === "string" ? s.description : "",
    options: kind === "choice" ? optionsOf(s, ui) : [], fields: [], when, schema: copy(schema), ui: copy(ui) || {},
  };
  field.read = { options: copy(field.options), label: field.label };
  if (kind === "group") {
    field.fields = readObject(s.items, isObject(ui) ? ui.items : {}).fields;
  }
  if (kind === "section") {
    field.fields = readObject(s, ui).fields;
  }
  return field;
}

// The fields of an object schema, in the UI schema's order; `rest` keeps what the outline
// leaves alone (the object's other keys, conditions it cannot show).
export function readObject(schema, ui) {
  const s = isObject(schema) ? schema : {};
  const u = isObject(ui) ? ui : {};
  const required = new Set(Array.isArray(s.required) ? s.required : []);
  const found = [];
  const props = isObject(s.properties) ? s.properties : {};
  for (const [id, prop] of Object.entries(props)) {
    found.push(readField(id, prop, u[id], required.has(id), null));
  }
  const unknown = [];
  let unknownRoot = null;
  const root = "if" in s ? { if: s.if, then: s.then, ...("else" in s ? { else: s.else } : {}) } : null;
  const entries = [...(root ? [root] : []), ...(Array.isArray(s.allOf) ? s.allOf : [])];
  for (const entry of entries) {
    const condition = conditionOf(entry);
    const names = condition ? Object.keys(condition.properties) : [];
    if (!condition || names.some((n) => n in props || found.some((f) => f.id === n))) {
      if (entry === root) { unknownRoot = entry; } else { unknown.push(entry); }
      continue;
    }
    for (const id of names) {
      const when = { field: condition.field, value: condition.value };
      found.push(readField(id, condition.properties[id], u[id], condition.required.includes(id), when));
    }
  }
  const order = Array.isArray(u["ui:order"]) ? u["ui:order"] : [];
  const position = (f) => { const i = order.indexOf(f.id); return i < 0 ? (order.indexOf("*") < 0 ? order.length : order.indexOf("*")) : i; };
  const fields = found.map((f, i) => [f, i]).sort((a, b) => position(a[0]) - position(b[0]) || a[1] - b[1]).map(([f]) => f);
  return { fields, unknown, unknownRoot };
}

// The outline of a whole form: {fields, schema, ui} (the texts kept for their other keys).
export function read(schema, ui) {
  return { fields: readObject(schema, ui).fields, schema: copy(schema) || {}, ui: copy(ui) || {} };
}

const FRESH = {
  text: () => ({ type: "string" }),
  number: () => ({ type: "number" }),
  date: () => ({ type: "string", format: "date" }),
  choice: () => ({ type: "string" }),
  yesno: () => ({ type: "boolean" }),
  file: () => ({ type: "string", format: "documento" }),
  map: () => ({
    type: "object",
    properties: { lat: { type: "number", title: "Latitud" }, lon: { type: "number", title: "Longitud" } },
    required: ["lat", "lon"],
  }),
  group: () => ({ type: "array", items: { type: "object" } }),
  section: () => ({ type: "object" }),
  other: () => ({ type: "string" }),
};

function writeField(field) {
  const before = field.schema === undefined ? undefined : kindOf(field.schema, field.ui);
  if (field.kind === "other") {
    const schema = copy(field.schema) ?? {};
    if (isObject(schema) && (field.label !== field.read?.label || "title" in schema)) { schema.title = field.label; }
    return { schema, ui: copy(field.ui) || {} };
  }
  const kept = before === field.kind && isObject(field.schema);
  const schema = kept ? copy(field.schema) : FRESH[field.kind]();
  let ui = kept ? copy(field.ui) || {} : {};
  if (!kept || field.label !== field.read?.label || "title" in schema) { schema.title = field.label; }
  if (field.description) { schema.description = field.description; } else { delete schema.description; }
  const sameOptions = kept && sameValue(field.options, field.read?.options);
  if (field.kind === "choice" && !sameOptions) {
    delete schema.enum;
    delete schema.enumNames;
    delete ui["ui:enumNames"];
    schema.oneOf = field.options.map((o) => ({ const: o.value, title: o.label }));
  }
  if (field.kind === "map") { ui["ui:widget"] = "mapa"; }
  if (field.kind === "group") {
    const items = isObject(schema.items) ? schema.items : { type: "object" };
    const written = writeObject(field.fields, items, isObject(ui.items) ? ui.items : {});
    schema.items = written.schema;
    ui.items = written.ui;
    if (!Object.keys(ui.items).length) { delete ui.items; }
  }
  if (field.kind === "section") {
    const written = writeObject(field.fields, schema, ui);
    return { schema: { ...written.schema, title: field.label }, ui: written.ui };
  }
  const { type, title, description, ...rest } = schema;
  return { schema: { type, title, ...(description ? { description } : {}), ...rest }, ui };
}

// An object schema (and its UI schema) with `fields` in place of the ones `base` had;
// the base's other keys, and conditions the outline cannot show, stay as they were.
export function writeObject(fields, base, baseUi) {
  const old = readObject(base, baseUi);
  const schema = {};
  for (const [key, value] of Object.entries(isObject(base) ? base : {})) {
    if (!["properties", "required", "allOf", "if", "then", "else"].includes(key)) { schema[key] = copy(value); }
  }
  schema.type = "object";
  const ui = {};
  const oldIds = new Set(old.fields.map((f) => f.id));
  for (const [key, value] of Object.entries(isObject(baseUi) ? baseUi : {})) {
    if (!oldIds.has(key) && key !== "ui:order") { ui[key] = copy(value); }
  }
  const properties = {};
  const required = [];
  const conditions = [];
  for (const field of fields) {
    const written = writeField(field);
    if (Object.keys(written.ui).length) { ui[field.id] = written.ui; }
    if (!field.when) {
      properties[field.id] = written.schema;
      if (field.required) { required.push(field.id); }
      continue;
    }
    let entry = conditions.find((c) => c.field === field.when.field && sameValue(c.value, field.when.value));
    if (!entry) {
      entry = { field: field.when.field, value: field.when.value, properties: {}, required: [] };
      conditions.push(entry);
    }
    entry.properties[field.id] = written.schema;
    if (field.required) { entry.required.push(field.id); }
  }
  schema.properties = properties;
  if (required.length) { schema.required = required; }
  const allOf = conditions.map((c) => ({
    if: { properties: { [c.field]: { const: c.value } }, required: [c.field] },
    then: { properties: c.properties, ...(c.required.length ? { required: c.required } : {}) },
  }));
  allOf.push(...old.unknown.map(copy));
  if (old.unknownRoot) { Object.assign(schema, copy(old.unknownRoot)); }
  if (allOf.length) { schema.allOf = allOf; }
  if (fields.length) { ui["ui:order"] = [...fields.map((f) => f.id), ...(hasStar(baseUi) ? ["*"] : [])]; }
  return { schema, ui };
}

const hasStar = (ui) => isObject(ui) && Array.isArray(ui["ui:order"]) && ui["ui:order"].includes("*");

// The two texts' objects from an outline.
export function write(outline) {
  const written = writeObject(outline.fields, outline.schema, outline.ui);
  return written;
}

// A new field of `kind` labelled `label`, with an id no sibling has.
export function newField(kind, label, siblings) {
  const field = {
    id: uniqueId(label, siblings.map((f) => f.id)), label, kind, required: false, description: "",
    options: [], fields: [], when: null, schema: undefined, ui: {}, autoId: true,
  };
  if (kind === "choice") {
    field.options = [{ value: "opcion_1", label: "Opción 1" }, { value: "opcion_2", label: "Opción 2" }];
  }
  return field;
}

// Options from lines of labels: a label kept keeps its value, a new one gets one from it.
export function optionsFromLines(text, previous) {
  const out = [];
  for (const line of String(text).split("\n")) {
    const label = line.trim();
    if (!label) { continue; }
    const old = (previous || []).find((o) => o.label === label && !out.some((p) => p.value === o.value));
    out.push({ value: old ? old.value : uniqueId(label, out.map((o) => o.value)), label });
  }
  return out;
}

// Relabel a field; a field the outline named follows its label (and so do the conditions
// that point at it).
export function relabel(field, label, siblings) {
  field.label = label;
  if (!field.autoId) { return; }
  const old = field.id;
  field.id = uniqueId(label, siblings.filter((f) => f !== field).map((f) => f.id));
  for (const other of siblings) {
    if (other.when && other.when.field === old) { other.when.field = field.id; }
  }
}

// Move the field at `index` up (-1) or down (+1); false when it cannot move.
export function move(fields, index, step) {
  const to = index + step;
  if (index < 0 || to < 0 || to >= fields.length) { return false; }
  const [field] = fields.splice(index, 1);
  fields.splice(to, 0, field);
  return true;
}

// Remove the field at `index`; conditions that named it are dropped.
export function remove(fields, index) {
  const [field] = fields.splice(index, 1);
  for (const other of fields) {
    if (other.when && other.when.field === field.id) { other.when = null; }
  }
}

// The values a condition on `field` may compare with: [{value, label}] (null: free text).
export function conditionValues(field) {
  if (!field) { return null; }
  if (field.kind === "yesno") { return [{ value: true, label: "Sí" }, { value: false, label: "No" }]; }
  if (field.kind === "choice") { return field.options.map((o) => ({ value: o.value, label: o.label })); }
  return null;
}

// Fields a condition may look at: siblings of a kind with a value to compare.
export function conditionTargets(field, siblings) {
  return siblings.filter((f) => f !== field && !f.when && ["text", "number", "choice", "yesno", "date"].includes(f.kind));
}

// `target` changed kind or options: the conditions that look at it drop (a kind no condition
// reads) or move to its first value (a value it no longer offers).
export function followTarget(target, siblings) {
  for (const other of siblings) {
    if (!other.when || other.when.field !== target.id) { continue; }
    if (!conditionTargets(other, siblings).includes(target)) {
      other.when = null;
      continue;
    }
    const values = conditionValues(target);
    if (values && !values.some((v) => sameValue(v.value, other.when.value))) {
      other.when.value = values.length ? values[0].value : null;
    }
  }
}
