// The audit panel: the latest operator actions from GET /api/v1/audit (with Redis, the whole fleet's), newest
// first: time, actor, action, target and outcome, with the command id and the node in each row's tooltip.
//
// The newest page is fetched again every few seconds and after each command sent from this page; "Older" pages
// back by the cursor the gateway answered (next_cursor), "Newest" returns to the top. Only the page shown is kept.
//
// Targets name clients (and a bulk command's filter), so every field is shown as text through visible.js,
// isolated, never parsed as HTML.

import { adminFetch, asRecord } from './api.js';
import { el, timeElement } from './table.js';
import { isolated, isolatedText } from './visible.js';

const REFRESH_MS = 5000;
const PAGE = 10;
const FIELDS = ['actor', 'action', 'target', 'outcome'];

/** A string field of an entry, or "" (an entry is the gateway's, but a proxy could garble it). */
function field(entry, name) {
  return typeof entry[name] === 'string' ? entry[name] : '';
}

export class AuditPanel {
  /** elements: {body (tbody), status, older, newest} (buttons). */
  constructor(elements) {
    this.e = elements;
    this.cursor = null; // null: the newest page
    this.page = 1;
    this.nextCursor = null;
    this.timer = 0;
    this.seq = 0;
    elements.older.addEventListener('click', () => {
      if (!this.nextCursor) return;
      this.cursor = this.nextCursor;
      this.page++;
      this.refresh();
    });
    elements.newest.addEventListener('click', () => {
      this.cursor = null;
      this.page = 1;
      this.refresh();
    });
  }

  start() {
    this.refresh();
  }

  /** Fetches the page shown now; the newest page again every few seconds. */
  async refresh() {
    clearTimeout(this.timer);
    const seq = ++this.seq;
    const cursor = this.cursor;
    const url = `/api/v1/audit?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    try {
      const response = await adminFetch(url, { cache: 'no-store' });
      const data = asRecord(await response.json().catch(() => null));
      if (seq !== this.seq) return; // a newer refresh is under way and draws its answer
      if (response.ok) {
        this.render(data);
      } else {
        this.e.status.textContent = typeof data.detail === 'string' ? data.detail : `Unavailable (${response.status}).`;
      }
    } catch {
      if (seq !== this.seq) return;
      this.e.status.textContent = 'Unavailable: the gateway does not answer.';
    }
    if (this.cursor === null) this.timer = setTimeout(() => this.refresh(), REFRESH_MS);
  }

  render(data) {
    const entries = (Array.isArray(data.entries) ? data.entries : []).map(asRecord);
    this.nextCursor = typeof data.next_cursor === 'string' ? data.next_cursor : null;
    const rows = entries.map((entry) => {
      const cells = [el('td', 'audit-time', timeElement(entry.time))];
      for (const name of FIELDS) cells.push(el('td', `audit-${name}`, isolated(field(entry, name))));
      const row = el('tr', 'audit-entry', ...cells);
      row.dataset.id = field(entry, 'id');
      row.dataset.action = field(entry, 'action');
      const command = field(entry, 'command_id');
      row.title = `${command ? `Command ${isolatedText(command)}, ` : ''}node ${isolatedText(field(entry, 'node'))}`;
      return row;
    });
    if (!rows.length) {
      const cell = el('td', 'empty', this.page === 1 ? 'No operator action yet.' : 'No older entries.');
      cell.colSpan = 1 + FIELDS.length;
      rows.push(el('tr', null, cell));
    }
    this.e.body.replaceChildren(...rows);
    this.e.older.disabled = !this.nextCursor;
    this.e.newest.disabled = this.cursor === null;
    const n = entries.length;
    this.e.status.textContent = this.page === 1
      ? `the latest ${n} entr${n === 1 ? 'y' : 'ies'}, newest first`
      : `page ${this.page}: ${n} older entr${n === 1 ? 'y' : 'ies'}`;
  }
}
