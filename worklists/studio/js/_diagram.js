// A read-only diagram drawn from a holder's data-xml attribute (the version diff, «Probar»).
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';

// A list of ids kept as JSON in one of the holder's attributes (an empty list when it is not one).
export function idList(holder, name) {
  try {
    const found = JSON.parse(holder.getAttribute(name) || '[]');
    return Array.isArray(found) ? found : [];
  } catch (e) {
    return [];
  }
}

// The BPMN of the holder's data-xml in a NavigatedViewer; null, with the page's data-error text
// in its place, when it cannot be drawn.
export async function drawDiagram(holder) {
  const viewer = new NavigatedViewer({ container: holder });
  try {
    await viewer.importXML(holder.getAttribute('data-xml'));
  } catch (e) {
    holder.textContent = holder.getAttribute('data-error') || 'No se pudo mostrar el diagrama.';
    holder.setAttribute('data-ready', 'error');
    return null;
  }
  return viewer;
}
