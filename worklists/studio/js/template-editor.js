// The studio's template editor: every text file of one template folder of a draft as a text
// area, saved through the draft's files API; "Vista previa" saves, checks the folder the way
// deploy does (file and line of each problem) and shows the PDF rendered with sample data.
// Texts people read come from the page (data-text-* attributes), in Spanish.
import './_template-editor.css';
import { csrfToken } from './_csrf';

const root = document.querySelector('[data-template-editor]');
if (root) start(root);


function start(root) {
  const text = (name) => root.dataset['text' + name] || '';
  const status = root.querySelector('[data-status]');
  const files = root.querySelector('[data-files]');
  const list = root.querySelector('[data-problems]');
  const frame = root.querySelector('[data-preview]');
  const download = root.querySelector('[data-download]');
  const folder = root.dataset.folder;
  const dirty = new Set();

  const say = (message, failed = false) => {
    status.textContent = message;
    status.classList.toggle('studio-status-error', failed);
  };

  const watch = (area) => area.addEventListener('input', () => dirty.add(area));
  files.querySelectorAll('textarea[data-file]').forEach(watch);

  async function save() {
    for (const area of [...dirty]) {
      const response = await fetch(root.dataset.filesUrl + encodeURI(area.dataset.file), {
        method: 'PUT', body: area.value,
        headers: {'Content-Type': 'text/plain; charset=utf-8', 'X-CSRF-Token': csrfToken()},
      });
      if (!response.ok) {
        say(`${area.dataset.file}: ${await refusal(response)}`, true);
        area.focus();
        return false;
      }
      dirty.delete(area);
    }
    return true;
  }

  function showProblems(problems) {
    list.replaceChildren();
    for (const problem of problems) {
      const li = document.createElement('li');
      const area = files.querySelector(`textarea[data-file="${CSS.escape(problem.file)}"]`);
      const where = problem.line ? text('Where').replace('{file}', problem.file).replace('{line}', problem.line)
        : problem.file;
      if (area) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'studio-link-button';
        button.textContent = `${where}: ${problem.message}`;
        button.addEventListener('click', () => goToLine(area, Number(problem.line) || 1));
        li.append(button);
      } else {
        li.textContent = `${where}: ${problem.message}`;
      }
      list.append(li);
    }
  }

  async function preview() {
    say(text('Saving'));
    if (!await save()) return;
    say(text('Checking'));
    const response = await fetch(root.dataset.checkUrl, {
      method: 'POST', headers: {'X-CSRF-Token': csrfToken(), Accept: 'application/json'},
    });
    if (!response.ok) {
      say(await refusal(response), true);
      return;
    }
    const result = await response.json();
    showProblems([...result.problems, ...result.warnings]);
    if (!result.ok) {
      say(text('Broken'), true);
      return;
    }
    const url = `${root.dataset.previewUrl}?v=${Date.now()}`;
    frame.src = url;
    frame.hidden = false;
    download.href = url;
    download.hidden = false;
    say(text('Shown'));
  }

  root.querySelector('[data-action="save"]').addEventListener('click', async () => {
    say(text('Saving'));
    if (await save()) say(text('Saved'));
  });
  root.querySelector('[data-action="preview"]').addEventListener('click', preview);
  root.querySelector('[data-action="add"]').addEventListener('click', () => {
    const input = root.querySelector('[data-new-name]');
    const name = input.value.trim().replace(/^\/+/, '');
    if (!name) {
      say(text('NameNeeded'), true);
      input.focus();
      return;
    }
    const path = `${folder}/${name}`;
    if (files.querySelector(`textarea[data-file="${CSS.escape(path)}"]`)) {
      say(text('Exists'), true);
      return;
    }
    const area = addArea(files, path, files.children.length);
    watch(area);
    dirty.add(area);
    input.value = '';
    area.focus();
    say(text('Added'));
  });
  window.addEventListener('beforeunload', (event) => {
    if (dirty.size) event.preventDefault();
  });
  root.dataset.ready = 'true';
}

function addArea(files, path, index) {
  const section = document.createElement('div');
  section.className = 'studio-template-file';
  const label = document.createElement('label');
  label.htmlFor = `archivo-nuevo-${index}`;
  label.textContent = path;
  const area = document.createElement('textarea');
  area.id = label.htmlFor;
  area.dataset.file = path;
  area.rows = 12;
  area.spellcheck = false;
  area.wrap = 'off';
  section.append(label, area);
  files.append(section);
  return area;
}

function goToLine(area, line) {
  const lines = area.value.split('\n');
  const start = lines.slice(0, line - 1).reduce((sum, item) => sum + item.length + 1, 0);
  const end = start + (lines[line - 1] || '').length;
  area.focus();
  area.setSelectionRange(start, end);
}

async function refusal(response) {
  try {
    const body = await response.json();
    return body.detail && body.detail !== body.title ? `${body.title} ${body.detail}` : body.title;
  } catch {
    return response.statusText;
  }
}
