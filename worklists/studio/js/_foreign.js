// spiffworkflow elements this modeller does not describe (SpiffArena writes a few more, such as
// unitTests) would be dropped by the moddle reader, which knows the namespace. Before import
// they move, with everything inside them, to a namespace of their own, which bpmn-js keeps as
// generic XML; after saving they move back. A file without such elements is not touched.
import spiffworkflow from './_spiffworkflow.json';

const SPIFF = spiffworkflow.uri;
const ASIDE = 'urn:tramites-smt:spiffworkflow-sin-describir';
const ASIDE_PREFIX = 'spiffotros';
const KNOWN = new Set([
  ...spiffworkflow.types.map((t) => t.name.charAt(0).toLowerCase() + t.name.slice(1)),
  // child elements that are properties of a described type, not types of their own
  'propertyId', 'expression', 'parameters',
]);

function renamed(doc, element, namespace, prefix) {
  const copy = doc.createElementNS(namespace, `${prefix}:${element.localName}`);
  Array.from(element.attributes).forEach((attr) => {
    if (attr.namespaceURI) {
      copy.setAttributeNS(attr.namespaceURI, attr.name, attr.value);
    } else {
      copy.setAttribute(attr.name, attr.value);
    }
  });
  while (element.firstChild) {
    copy.appendChild(element.firstChild);
  }
  element.parentNode.replaceChild(copy, element);
  return copy;
}

function moveAll(doc, root, from, to, prefix) {
  Array.from(root.getElementsByTagNameNS(from, '*')).forEach((element) => renamed(doc, element, to, prefix));
}

export function setAside(xml) {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  if (doc.getElementsByTagName('parsererror').length) {
    return xml;
  }
  const unknown = Array.from(doc.getElementsByTagNameNS(SPIFF, '*'))
    .filter((e) => !KNOWN.has(e.localName) && !(e.parentNode && e.parentNode.namespaceURI === ASIDE));
  if (!unknown.length) {
    return xml;
  }
  unknown.forEach((element) => {
    if (element.parentNode) {
      const moved = renamed(doc, element, ASIDE, ASIDE_PREFIX);
      moveAll(doc, moved, SPIFF, ASIDE, ASIDE_PREFIX);
    }
  });
  doc.documentElement.setAttributeNS('http://www.w3.org/2000/xmlns/', `xmlns:${ASIDE_PREFIX}`, ASIDE);
  return new XMLSerializer().serializeToString(doc);
}

export function putBack(xml) {
  if (!xml.includes(ASIDE)) {
    return xml;
  }
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  const prefix = doc.documentElement.lookupPrefix(SPIFF) || 'spiffworkflow';
  moveAll(doc, doc.documentElement, ASIDE, SPIFF, prefix);
  Array.from(doc.documentElement.attributes)
    .filter((attr) => attr.value === ASIDE && attr.name.startsWith('xmlns:'))
    .forEach((attr) => doc.documentElement.removeAttributeNode(attr));
  const text = new XMLSerializer().serializeToString(doc);
  return text.startsWith('<?xml') ? text : `<?xml version="1.0" encoding="UTF-8"?>\n${text}`;
}
