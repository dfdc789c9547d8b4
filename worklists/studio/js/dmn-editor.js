// The studio's decision table editor: dmn-js's Modeler over one .dmn file of a draft, saved
// through the draft's files API, with "Revisar" checking each cell the way the engine will
// evaluate it and pinning each problem on its cell. Texts people read come from the page
// (data-text-* attributes), in Spanish.
import DmnModeler from 'dmn-js/lib/Modeler';
import 'dmn-js/dist/assets/diagram-js.css';
import 'dmn-js/dist/assets/dmn-js-shared.css';
import 'dmn-js/dist/assets/dmn-js-drd.css';
import 'dmn-js/dist/assets/dmn-js-decision-table.css';
import 'dmn-js/dist/assets/dmn-js-decision-table-controls.css';
import 'dmn-js/dist/assets/dmn-js-literal-expression.css';
import 'dmn-js/dist/assets/dmn-font/css/dmn.css';
import {Pins, cellOf, focusCell} from './_dmn-problems.js';
import translateModule from './_dmn-translate.js';
import './_dmn-editor.css';
import { csrfToken } from './_csrf';
import { styleAttributesThroughCssom } from './_csp.js';

// Only the decision tables: the studio edits one decision per file, and the diagram view (DRD)
// draws its watermark with inline styles the pages' CSP refuses (the table keeps its own).
class TableModeler extends DmnModeler {
  _getViewProviders() {
    return super._getViewProviders().filter((provider) => provider.id !== 'drd');
  }
}

const root = document.querySelector('[data-dmn-editor]');
if (root) {
  // the table's container and the bpmn.io logo come as HTML with style="" (see _csp.js)
  styleAttributesThroughCssom();
  start(root);
}


function start(root) {
  const text = (name) => root.dataset['text' + name] || '';
  const canvas = root.querySelector('[data-canvas]');
  const status = root.querySelector('[data-status]');
  const list = root.querySelector('[data-problems]');
  const summary = root.querySelector('[data-summary]');
  // Each view gets the Spanish texts (dmn-js replaces, not merges, a view's additionalModules).
  const spanish = {additionalModules: [translateModule]};
  const modeler = new TableModeler({
    container: canvas, decisionTable: spanish, literalExpression: spanish, boxedExpression: spanish,
  });
  const pins = new Pins(canvas);
  let lastCheck = null;
  let dirty = false;

  const say = (message, failed = false) => {
    status.textContent = message;
    status.classList.toggle('studio-status-error', failed);
  };

  const tableViewer = () => {
    const viewer = modeler.getActiveViewer();
    return viewer && modeler.getActiveView().type === 'decisionTable' ? viewer : null;
  };

  const redraw = () => window.requestAnimationFrame(() => pins.apply());

  modeler.on('views.changed', () => {
    const viewer = tableViewer();
    if (!viewer) return;
    viewer.get('eventBus').on('elements.changed', () => {
      dirty = true;
      redraw();
    });
    if (lastCheck) show(lastCheck);
  });

  async function load() {
    const response = await fetch(root.dataset.fileUrl, {headers: {Accept: 'application/xml'}});
    if (!response.ok) {
      say(await refusal(response), true);
      return;
    }
    try {
      await modeler.importXML(await response.text());
    } catch (error) {
      say(text('Unreadable') + ' ' + error.message, true);
      return;
    }
    const table = modeler.getViews().find((view) => view.type === 'decisionTable');
    if (table) await modeler.open(table);
    dirty = false;
    root.dataset.ready = 'true';
  }

  async function xml() {
    const {xml: content} = await modeler.saveXML({format: true});
    return content;
  }

  async function save() {
    say(text('Saving'));
    const response = await fetch(root.dataset.fileUrl, {
      method: 'PUT', body: await xml(),
      headers: {'Content-Type': 'application/xml', 'X-CSRF-Token': csrfToken()},
    });
    if (!response.ok) {
      say(await refusal(response), true);
      return false;
    }
    dirty = false;
    say(text('Saved'));
    return true;
  }

  async function check() {
    say(text('Checking'));
    const response = await fetch(root.dataset.checkUrl, {
      method: 'POST', body: await xml(),
      headers: {'Content-Type': 'application/xml', 'X-CSRF-Token': csrfToken(), Accept: 'application/json'},
    });
    if (!response.ok) {
      say(await refusal(response), true);
      return;
    }
    lastCheck = await response.json();
    show(lastCheck);
    say(lastCheck.ok && !lastCheck.warnings.length ? text('Clean') : text('Found'), !lastCheck.ok);
  }

  function show(result) {
    pins.clear();
    list.replaceChildren();
    const viewer = tableViewer();
    const items = [
      ...result.problems.map((p) => ({...p, level: 'problem'})),
      ...result.warnings.map((p) => ({...p, level: 'warning'})),
    ];
    const counted = items.length === 1 ? text('SummaryOne') : text('Summary').replace('{n}', items.length);
    summary.textContent = items.length ? counted : text('None');
    for (const item of items) {
      const li = document.createElement('li');
      li.className = item.level === 'problem' ? 'studio-problem' : 'studio-warning';
      const label = (item.level === 'problem' ? text('Problem') : text('Warning')) + ': ' + item.message;
      const cell = viewer && item.row && item.column ? cellOf(viewer, Number(item.row), Number(item.column)) : null;
      if (cell) {
        pins.add(cell, item.level, item.message);
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'studio-link-button';
        button.textContent = label;
        button.dataset.cell = cell.id;
        button.addEventListener('click', () => focusCell(viewer, canvas, cell));
        li.append(button);
      } else {
        li.textContent = label;
      }
      list.append(li);
    }
    pins.apply();
  }

  root.querySelector('[data-action="save"]').addEventListener('click', save);
  root.querySelector('[data-action="check"]').addEventListener('click', check);
  window.addEventListener('beforeunload', (event) => {
    if (dirty) event.preventDefault();
  });
  load();
}

async function refusal(response) {
  try {
    const body = await response.json();
    return body.detail && body.detail !== body.title ? `${body.title} ${body.detail}` : body.title;
  } catch {
    return response.statusText;
  }
}
