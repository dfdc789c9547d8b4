// The studio's BPMN modeller: bpmn-js Modeler, the properties panel with this platform's
// extension properties, bpmnlint, and the toolbar (save, check, deploy) over the draft's JSON API.
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import 'bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css';

import BpmnModeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import lintModule from 'bpmn-js-bpmnlint';

import spiffworkflow from './_spiffworkflow.json';
import PlatformPropertiesProvider from './_provider.js';
import translate from './_translate.js';
import { lintConfig, spanish } from './_lint.js';
import { Problems } from './_problems.js';
import { Studio } from './_studio.js';
import { styleAttributesThroughCssom } from './_csp.js';
import flushingDebounce from './_debounce.js';
import { setAside, putBack } from './_foreign.js';

const AUTOSAVE_MS = 2500;

function setStatus(text) {
  const status = document.getElementById('modelador-estado');
  if (status) {
    status.textContent = text;
  }
}

async function start(root) {
  if (!root.dataset.diagramUrl) {
    setStatus(''); // no BPMN file: the page says so
    return;
  }
  const studio = new Studio(root.dataset);
  await studio.load();
  const fileName = root.dataset.bpmnName;
  const modeler = new BpmnModeler({
    container: document.getElementById('modelador-lienzo'),
    propertiesPanel: { parent: document.getElementById('modelador-propiedades') },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      { __init__: ['platformPropertiesProvider'], platformPropertiesProvider: ['type', PlatformPropertiesProvider] },
      { studioData: ['value', studio], translate: ['value', translate] },
      lintModule,
      flushingDebounce,
    ],
    moddleExtensions: { spiffworkflow },
    linting: { bpmnlint: lintConfig, active: true },
  });
  window.studioModeller = modeler; // for the browser tests and the curious: the modeler of this page

  const problems = new Problems(modeler, document.getElementById('modelador-problemas'), fileName);
  const xml = await studio.diagram();
  await modeler.importXML(setAside(xml));
  linkFlows(modeler.getDefinitions());
  modeler.get('linting').update();
  fitBesidePalette(modeler.get('canvas'));
  describeCanvas();

  let dirty = false;
  let timer = null;
  let saving = Promise.resolve();
  const save = () => {
    clearTimeout(timer);
    saving = saving.then(async () => {
      if (!dirty) {
        return;
      }
      dirty = false;
      setStatus('Guardando…');
      const { xml: saved } = await modeler.saveXML({ format: true });
      const text = putBack(saved);
      try {
        await studio.putFile(fileName, text);
        setStatus(`Guardado a las ${new Date().toLocaleTimeString('es-AR')}.`);
        root.dataset.saved = String(Number(root.dataset.saved || 0) + 1);
      } catch (error) {
        dirty = true;
        setStatus(`No se pudo guardar: ${error.message}`);
        throw error;
      }
    });
    return saving;
  };
  modeler.on('commandStack.changed', () => {
    dirty = true;
    setStatus('Hay cambios sin guardar.');
    clearTimeout(timer);
    timer = setTimeout(() => { save().catch(() => {}); }, AUTOSAVE_MS);
  });
  window.addEventListener('beforeunload', (event) => {
    if (dirty) {
      event.preventDefault();
    }
  });
  modeler.on('linting.completed', ({ issues }) => {
    const hints = [];
    Object.keys(issues).forEach((id) => issues[id].forEach((issue) => hints.push({ element: id, message: spanish(issue) })));
    problems.showHints(hints);
  });

  document.getElementById('modelador-guardar').addEventListener('click', () => {
    dirty = true;
    save().catch(() => {});
  });
  document.getElementById('modelador-revisar').addEventListener('click', async () => {
    try {
      dirty = true;
      await save();
      setStatus('Revisando…');
      const result = await studio.check();
      problems.showProblems(result.problems, result.warnings);
      setStatus(result.ok ? 'La revisión no encontró problemas.' : `La revisión encontró ${result.problems.length} problema(s).`);
    } catch (error) {
      setStatus(`No se pudo revisar: ${error.message}`);
    }
  });
  document.getElementById('modelador-desplegar').addEventListener('click', async () => {
    // eslint-disable-next-line no-alert
    if (!window.confirm(root.dataset.confirmDeploy)) {
      return;
    }
    try {
      dirty = true;
      await save();
      setStatus('Desplegando…');
      const result = await studio.deploy();
      if (result.ok) {
        problems.showProblems([], result.body.warnings || []);
        showDeployed(result.body);
        setStatus(`Se desplegó la versión ${result.body.version} de «${result.body.key}».`);
      } else {
        problems.showProblems(result.body.problems || [], result.body.warnings || []);
        setStatus(`No se desplegó: ${result.body.title || 'hay problemas'}.`);
      }
    } catch (error) {
      setStatus(`No se pudo desplegar: ${error.message}`);
    }
  });
  root.dataset.ready = 'true';
}

// Files written by hand name a flow's ends only on the flow (sourceRef, targetRef); bpmn-js and
// bpmnlint also read the nodes' incoming/outgoing lists, so fill them in (what BPMN tools write).
function linkFlows(definitions) {
  const visit = (container) => {
    (container.get('flowElements') || []).forEach((element) => {
      if (element.$instanceOf('bpmn:SequenceFlow')) {
        const { sourceRef: source, targetRef: target } = element;
        if (source && !source.get('outgoing').includes(element)) {
          source.get('outgoing').push(element);
        }
        if (target && !target.get('incoming').includes(element)) {
          target.get('incoming').push(element);
        }
      } else if (element.$instanceOf('bpmn:FlowElementsContainer')) {
        visit(element);
      }
    });
  };
  (definitions.get('rootElements') || []).filter((r) => r.$instanceOf('bpmn:Process')).forEach(visit);
}

// The whole diagram in view, clear of the palette (which covers the canvas's left edge): pins and
// elements under it could not be clicked.
function fitBesidePalette(canvas) {
  canvas.zoom('fit-viewport');
  const holder = document.getElementById('modelador-lienzo');
  const palette = holder.querySelector('.djs-palette');
  const width = holder.clientWidth;
  if (palette && width > 0) {
    const room = palette.offsetWidth + 16;
    canvas.zoom(canvas.zoom() * ((width - room) / width), { x: width, y: 0 });
  }
}

function describeCanvas() {
  // The canvas is one focusable SVG (diagram-js binds the keyboard to it while it has the focus):
  // name it and point at the explanation beside it.
  const holder = document.getElementById('modelador-lienzo');
  const surface = holder.querySelector('.djs-container > svg[tabindex]') || holder;
  surface.setAttribute('role', 'application');
  surface.setAttribute('aria-label', holder.dataset.label || 'Diagrama BPMN');
  surface.setAttribute('aria-describedby', 'modelador-ayuda-lienzo');
}

function showDeployed(body) {
  const box = document.getElementById('modelador-desplegado');
  if (!box) {
    return;
  }
  box.textContent = '';
  const text = document.createElement('p');
  text.textContent = `Versión ${body.version} de «${body.key}» desplegada${body.created ? '' : ' (ya existía una versión igual)'}. `;
  if (body.url) {
    const link = document.createElement('a');
    link.href = body.url;
    link.textContent = 'Ver el procedimiento';
    text.appendChild(link);
  }
  box.appendChild(text);
  box.hidden = false;
}

const root = document.getElementById('modelador');
if (root) {
  styleAttributesThroughCssom();
  start(root).catch((error) => {
    setStatus(`No se pudo abrir el modelador: ${error.message}`);
    root.dataset.failed = 'true';
  });
}
