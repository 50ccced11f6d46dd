// The client table, virtualized: only the rows in (and just around) the visible part of the scroll viewport
// exist in the DOM, between two spacer rows that keep the scroll height right, so 10,000 clients scroll and
// update as smoothly as 10. Every row has the same height (style.css: --row-height).
//
// Client data is only ever inserted as text (textContent, Text nodes via append), never parsed as HTML, and
// always through visible.js: isolated from the text around it, with invisible and bidi-control characters shown.

import { COMMANDS } from './api.js';
import { isolated, isolatedText } from './visible.js';

const OVERSCAN = 8;
const COLUMNS = 6;
const BAR_FIELDS = new Set(['cpu_usage', 'memory_usage']);
const SHOWN_ELSEWHERE = new Set(['connected', 'last_seen', 'disconnect_time', 'status_detail', 'gateway_node']);

/** An element with a class and children; strings become Text nodes. */
export function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children);
  return node;
}

/** A server timestamp (ISO-8601) as "YYYY-MM-DD HH:MM:SS UTC"; anything else as it is (isolated). */
export function timeElement(value) {
  const node = document.createElement('time');
  const text = typeof value === 'string' ? value : '';
  const date = new Date(text);
  if (text && !Number.isNaN(date.getTime())) {
    node.dateTime = date.toISOString();
    node.title = isolatedText(text);
    node.textContent = date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  } else {
    node.append(text ? isolated(text) : '–');
  }
  return node;
}

/** A percentage value as a small bar, when it is a number; null otherwise. */
function bar(value) {
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n)) return null;
  const meter = document.createElement('meter');
  meter.min = 0;
  meter.max = 100;
  meter.low = 70;
  meter.high = 90;
  meter.optimum = 0;
  meter.value = Math.max(0, Math.min(100, n));
  return meter;
}

function attribute(name, value) {
  const text = String(value);
  const item = el('li', BAR_FIELDS.has(name) ? 'attr bar' : 'attr', el('span', 'name', isolated(name)));
  const meter = BAR_FIELDS.has(name) ? bar(text) : null;
  if (meter) item.append(meter);
  item.append(el('span', 'value', isolated(text)));
  item.title = `${isolatedText(name)}: ${isolatedText(text)}`;
  return item;
}

export class ClientTable {
  /**
   * @param viewport the scrolling element
   * @param body the tbody
   * @param handlers onAction(id, action), onSelect(id), receipt(id): the element showing the receipt of the
   *     client's latest command (receipts.js), or null; a row is redrawn when its element changes
   */
  constructor(viewport, body, { onAction, onSelect, receipt = () => null }) {
    this.viewport = viewport;
    this.body = body;
    this.onAction = onAction;
    this.onSelect = onSelect;
    this.receipt = receipt;
    this.rows = [];
    this.rowHeight = 0;
    this.frame = 0;
    this.empty = 'Loading…';
    this.cache = new Map();
    this.topSpacer = this.spacer();
    this.bottomSpacer = this.spacer();
    viewport.addEventListener('scroll', () => this.schedule(), { passive: true });
    window.addEventListener('resize', () => this.schedule());
  }

  /** Shows {@code rows} (store entries, in order) from the next frame on. */
  setRows(rows, emptyText) {
    this.rows = rows;
    this.empty = emptyText;
    this.schedule();
  }

  schedule() {
    if (!this.frame) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.render();
      });
    }
  }

  measureRowHeight() {
    if (!this.rowHeight) {
      const value = getComputedStyle(this.viewport).getPropertyValue('--row-height');
      this.rowHeight = Number.parseFloat(value) || 48;
    }
    return this.rowHeight;
  }

  render() {
    const rows = this.rows;
    if (rows.length === 0) {
      const cell = el('td', 'empty', this.empty);
      cell.colSpan = COLUMNS;
      this.body.replaceChildren(el('tr', null, cell));
      this.cache.clear();
      return;
    }
    const height = this.measureRowHeight();
    const header = this.viewport.querySelector('thead')?.offsetHeight ?? 0;
    const top = Math.max(0, this.viewport.scrollTop - header);
    const visible = Math.ceil(this.viewport.clientHeight / height) + 1;
    const first = Math.max(0, Math.floor(top / height) - OVERSCAN);
    const last = Math.min(rows.length, first + visible + 2 * OVERSCAN);

    // Rows whose record and receipt did not change are kept as they are (the store makes a new entry for every
    // change, receipts.js a new element), so a button under the pointer survives updates of other clients.
    const cache = new Map();
    const wanted = [this.topSpacer];
    for (let i = first; i < last; i++) {
      const entry = rows[i];
      const receipt = this.receipt(entry.id);
      const cached = this.cache.get(entry.id);
      const tr = cached && cached.entry === entry && cached.receipt === receipt ? cached.tr : this.row(entry, receipt);
      cache.set(entry.id, { entry, receipt, tr });
      wanted.push(tr);
    }
    wanted.push(this.bottomSpacer);
    this.cache = cache;
    this.setSpacer(this.topSpacer, first * height);
    this.setSpacer(this.bottomSpacer, (rows.length - last) * height);
    const current = this.body.children;
    let same = current.length === wanted.length;
    for (let i = 0; same && i < wanted.length; i++) {
      same = current[i] === wanted[i];
    }
    if (!same) this.body.replaceChildren(...wanted);
  }

  setSpacer(row, px) {
    row.firstChild.style.height = `${px}px`;
    row.hidden = px <= 0;
  }

  spacer() {
    const cell = el('td', null);
    cell.colSpan = COLUMNS;
    const row = el('tr', 'spacer', cell);
    row.setAttribute('aria-hidden', 'true');
    return row;
  }

  row(entry, receipt) {
    const { id, fields, connected } = entry;
    const idButton = el('button', 'link', isolated(id));
    idButton.type = 'button';
    idButton.title = `Show every attribute of ${isolatedText(id)}`;
    idButton.addEventListener('click', () => this.onSelect(id));
    const idCell = el('th', 'id', idButton);
    idCell.scope = 'row';

    const status = el('td', connected ? 'state on' : 'state off',
      el('span', 'dot', '●'), connected ? ' Connected' : ' Disconnected');

    // The node that holds the client (or held it last); in a fleet every node shows every node's clients.
    const node = el('td', 'node', typeof fields.gateway_node === 'string' ? isolated(fields.gateway_node) : '–');

    const when = el('td', 'when');
    if (connected) {
      when.append(timeElement(fields.last_seen), el('span', 'reason', 'last seen'));
    } else {
      when.append(timeElement(fields.disconnect_time));
      if (fields.status_detail !== undefined) {
        when.append(el('span', 'reason', isolated(String(fields.status_detail))));
      }
      when.title = `Disconnected ${isolatedText(fields.disconnect_time ?? '')} — `
        + isolatedText(fields.status_detail ?? '');
    }

    const details = el('ul', 'attrs');
    for (const [name, value] of Object.entries(fields)) {
      if (!SHOWN_ELSEWHERE.has(name)) details.append(attribute(name, value));
    }

    const actions = el('td', 'actions');
    for (const [action, label] of COMMANDS) {
      const button = el('button', action === 'disconnect' ? 'danger' : null, label);
      button.type = 'button';
      button.disabled = !connected;
      button.dataset.action = action;
      button.setAttribute('aria-label', `${label} ${isolatedText(id)}`);
      button.addEventListener('click', () => this.onAction(id, action));
      actions.append(button);
    }
    if (receipt) actions.append(receipt);

    const row = el('tr', connected ? 'client' : 'client gone', idCell, status, node, when,
      el('td', 'details-cell', details.childElementCount ? details : '–'), actions);
    row.dataset.id = id;
    return row;
  }
}

/** Fills the details panel with every field of a record, names and values isolated. */
export function renderDetails(list, fields) {
  const items = [];
  for (const [name, value] of Object.entries(fields)) {
    items.push(el('dt', null, isolated(name)));
    const dd = el('dd', null);
    const meter = BAR_FIELDS.has(name) ? bar(String(value)) : null;
    if (meter) dd.append(meter, ' ');
    dd.append(isolated(String(value)));
    items.push(dd);
  }
  list.replaceChildren(...items);
}
