// The check's problems and bpmnlint's hints: pinned on their elements as overlays (a click
// selects the element, which opens it in the properties panel) and listed in Spanish beside.

const OVERLAY = 'studio-problem';

export class Problems {
  constructor(modeler, list, fileName) {
    this.modeler = modeler;
    this.list = list;
    this.fileName = fileName;
    this.problems = [];
    this.warnings = [];
    this.hints = [];
  }

  showProblems(problems, warnings) {
    this.problems = problems || [];
    this.warnings = warnings || [];
    this.render();
  }

  showHints(hints) {
    this.hints = hints || [];
    this.render();
  }

  // The diagram element a problem names, when it is one of this file's elements.
  elementOf(problem) {
    if (!problem.element || (problem.file && problem.file !== this.fileName)) {
      return null;
    }
    return this.modeler.get('elementRegistry').get(problem.element) || null;
  }

  select(element) {
    this.modeler.get('canvas').scrollToElement(element);
    this.modeler.get('selection').select(element);
  }

  render() {
    const overlays = this.modeler.get('overlays');
    overlays.remove({ type: OVERLAY });
    const rows = [
      ...this.problems.map((p) => ({ kind: 'problema', label: 'Problema', item: p })),
      ...this.warnings.map((p) => ({ kind: 'aviso', label: 'Aviso', item: p })),
      ...this.hints.map((p) => ({ kind: 'sugerencia', label: 'Sugerencia', item: p })),
    ];
    const pinned = new Map();
    this.list.textContent = '';
    rows.forEach((row, index) => {
      const element = this.elementOf(row.item);
      const li = document.createElement('li');
      li.className = `studio-issue studio-issue-${row.kind}`;
      const tag = document.createElement('span');
      tag.className = 'studio-issue-kind';
      tag.textContent = `${row.label}: `;
      li.appendChild(tag);
      const where = [row.item.file, row.item.element, row.item.line ? `línea ${row.item.line}` : '', row.item.row ? `fila ${row.item.row}` : '']
        .filter(Boolean).join(' · ');
      if (element) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'studio-issue-link';
        button.dataset.element = element.id;
        button.textContent = row.item.message;
        button.addEventListener('click', () => this.select(element));
        li.appendChild(button);
        if (row.kind !== 'sugerencia') {
          const list = pinned.get(element.id) || [];
          list.push({ row, index });
          pinned.set(element.id, list);
        }
      } else {
        li.appendChild(document.createTextNode(row.item.message));
      }
      if (where) {
        const small = document.createElement('span');
        small.className = 'studio-issue-where';
        small.textContent = ` (${where})`;
        li.appendChild(small);
      }
      this.list.appendChild(li);
    });
    const registry = this.modeler.get('elementRegistry');
    pinned.forEach((items, id) => {
      const element = registry.get(id);
      const pin = document.createElement('button');
      pin.type = 'button';
      const worst = items.some((i) => i.row.kind === 'problema') ? 'problema' : 'aviso';
      pin.className = `studio-pin studio-pin-${worst}`;
      pin.dataset.element = id;
      pin.textContent = String(items.length);
      pin.title = items.map((i) => i.row.item.message).join('\n');
      pin.setAttribute('aria-label', `${items.length} ${worst === 'problema' ? 'problema(s)' : 'aviso(s)'} en ${id}: ${pin.title}`);
      pin.addEventListener('click', (event) => {
        event.stopPropagation();
        this.select(element);
      });
      overlays.add(id, OVERLAY, { position: { top: -12, left: -12 }, html: pin });
    });
    const empty = document.getElementById('modelador-sin-problemas');
    if (empty) {
      empty.hidden = rows.length > 0;
    }
  }
}
