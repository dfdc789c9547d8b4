// Pins the problems of a decision table's check on its cells: each problem with a row and a
// column (the inputs, then the outputs, from 1) marks that cell and gets a button in the list
// that moves the focus to it. dmn-js redraws cells on every change, so the marks are applied
// again after each redraw, by cell id (stable while the table is edited).

const PROBLEM = 'studio-cell-problem';
const WARNING = 'studio-cell-warning';

export function cellOf(viewer, row, column) {
  const root = viewer.get('sheet').getRoot();
  const line = root && root.rows[row - 1];
  return line ? line.cells[column - 1] || null : null;
}

function nodeOf(container, cell) {
  return cell ? container.querySelector(`[data-element-id="${CSS.escape(cell.id)}"]`) : null;
}

export function focusCell(viewer, container, cell) {
  viewer.get('selection').select(cell.id);
  const node = nodeOf(container, cell);
  if (!node) return;
  node.scrollIntoView({block: 'center', inline: 'nearest'});
  const editable = node.querySelector('[contenteditable]') || node;
  editable.focus();
}

export class Pins {
  constructor(container) {
    this.container = container;
    this.pins = new Map(); // cell id -> {level, messages}
  }

  clear() {
    for (const node of this.container.querySelectorAll(`.${PROBLEM}, .${WARNING}`)) {
      node.classList.remove(PROBLEM, WARNING);
      node.removeAttribute('title');
    }
    this.pins.clear();
  }

  add(cell, level, message) {
    const pin = this.pins.get(cell.id) || {level, messages: []};
    if (level === 'problem') pin.level = 'problem';
    pin.messages.push(message);
    this.pins.set(cell.id, pin);
  }

  apply() {
    for (const [id, pin] of this.pins) {
      const node = this.container.querySelector(`[data-element-id="${CSS.escape(id)}"]`);
      if (!node) continue;
      node.classList.add(pin.level === 'problem' ? PROBLEM : WARNING);
      node.setAttribute('title', pin.messages.join('\n'));
    }
  }
}
