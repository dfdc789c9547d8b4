// What the modeller needs from the server: the draft's files, the connector operations, the
// groups, the decisions of its DMN files; and the writes (a file, check, deploy) with the CSRF header.

import { csrfToken } from './_csrf';

async function failure(response) {
  let detail = `${response.status}`;
  try {
    const body = await response.json();
    detail = [body.title, body.detail].filter(Boolean).join(': ') || detail;
  } catch (error) {
    // not JSON: keep the status
  }
  return new Error(detail);
}

async function getJson(url, fallback) {
  try {
    const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    return response.ok ? await response.json() : fallback;
  } catch (error) {
    return fallback;
  }
}

function encodePath(name) {
  return name.split('/').map(encodeURIComponent).join('/');
}

export class Studio {
  constructor(dataset) {
    this.urls = {
      files: dataset.filesUrl,
      check: dataset.checkUrl,
      deploy: dataset.deployUrl,
      operations: dataset.operationsUrl,
      groups: dataset.groupsUrl,
      diagram: dataset.diagramUrl,
      laneGroup: dataset.laneGroupUrl,
    };
    this.files = [];
    this.operations = [];
    this.groups = [];
    this.groupTitles = {};
    this.decisions = [];
    this.laneGroups = new Map();
  }

  async load() {
    const [listing, operations, groups] = await Promise.all([
      getJson(this.urls.files, { files: [] }),
      getJson(this.urls.operations, { operations: [] }),
      getJson(this.urls.groups, { groups: [] }),
    ]);
    this.files = listing.files || [];
    this.operations = operations.operations || [];
    this.groups = groups.groups || [];
    this.groupTitles = groups.titles || {};
    await this.loadDecisions();
  }

  async loadDecisions() {
    const dmn = this.files.filter((f) => f.kind === 'dmn' || f.name.endsWith('.dmn'));
    const found = [];
    await Promise.all(dmn.map(async (file) => {
      try {
        const text = await this.getFile(file.name);
        const doc = new DOMParser().parseFromString(text, 'application/xml');
        Array.from(doc.getElementsByTagNameNS('*', 'decision')).forEach((d) => {
          found.push({ id: d.getAttribute('id'), name: d.getAttribute('name') || '', file: file.name });
        });
      } catch (error) {
        // an unreadable DMN file is the check's business
      }
    }));
    this.decisions = found.filter((d) => d.id).sort((a, b) => a.id.localeCompare(b.id));
  }

  operation(name) {
    return this.operations.find((op) => op.name === name) || null;
  }

  async groupOfLane(lane) {
    if (!this.laneGroups.has(lane)) {
      const url = `${this.urls.laneGroup}?carril=${encodeURIComponent(lane)}`;
      this.laneGroups.set(lane, getJson(url, { group: '', applicant: false }));
    }
    return this.laneGroups.get(lane);
  }

  async diagram() {
    const response = await fetch(this.urls.diagram, { credentials: 'same-origin' });
    if (!response.ok) {
      throw await failure(response);
    }
    return response.text();
  }

  async getFile(name) {
    const response = await fetch(`${this.urls.files}/${encodePath(name)}`, { credentials: 'same-origin' });
    if (!response.ok) {
      throw await failure(response);
    }
    return response.text();
  }

  async putFile(name, text) {
    const response = await fetch(`${this.urls.files}/${encodePath(name)}`, {
      method: 'PUT', credentials: 'same-origin', body: text,
      headers: { 'X-CSRF-Token': csrfToken(), 'Content-Type': 'application/octet-stream' },
    });
    if (!response.ok) {
      throw await failure(response);
    }
    const body = await response.json();
    if (!this.files.some((f) => f.name === name)) {
      this.files.push({ name, size: body.size, kind: '' });
    }
    return body;
  }

  async createFile(name, text) {
    if (this.files.some((f) => f.name === name)) {
      return null;
    }
    return this.putFile(name, text);
  }

  async post(url) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'X-CSRF-Token': csrfToken(), Accept: 'application/json' },
    });
  }

  async check() {
    const response = await this.post(this.urls.check);
    if (!response.ok) {
      throw await failure(response);
    }
    return response.json();
  }

  async deploy() {
    const response = await this.post(this.urls.deploy);
    if (response.status === 200 || response.status === 201 || response.status === 422) {
      return { ok: response.status !== 422, body: await response.json() };
    }
    throw await failure(response);
  }
}
