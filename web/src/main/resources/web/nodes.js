// The gateway nodes panel: every node of the fleet as GET /api/v1/nodes lists it (from the answering node's
// memory: its member table, refreshed by every heartbeat), polled every few seconds, with the nodes lost recently.
//
// Node ids and addresses are set by operators, not by clients; they are still shown through visible.js like any
// other text from the gateway, never parsed as HTML.

import { adminFetch, asRecord } from './api.js';
import { el, timeElement } from './table.js';
import { isolated, isolatedText } from './visible.js';

const REFRESH_MS = 3000;
const WHY_LABELS = new Map([
  ['lease_expired', 'lease expired'],
  ['left', 'stopped gracefully'],
  ['restarted', 'restarted'],
]);
const STATE_LABELS = new Map([
  ['live', 'Live'],
  ['stale', 'Stale (heartbeat late)'],
  ['lost', 'Lost'],
  ['left', 'Left'],
]);

/**
 * Keeps the panel (a section with a tbody) up to date; onNodes(ids) is told the node ids known (members and lost
 * ones), for the node filter.
 */
export class NodesPanel {
  constructor(section, body, summary, { onNodes }) {
    this.section = section;
    this.body = body;
    this.summary = summary;
    this.onNodes = onNodes;
    this.timer = 0;
    this.nodes = [];
  }

  start() {
    this.refresh();
  }

  async refresh() {
    clearTimeout(this.timer);
    try {
      const response = await adminFetch('/api/v1/nodes', { cache: 'no-store' });
      if (response.ok) {
        this.render(asRecord(await response.json()));
      } else if (response.status === 404) {
        this.section.hidden = true; // a gateway without the nodes API
        return;
      }
    } catch {
      // The gateway does not answer: the feed's state says so; keep the last picture.
    }
    this.timer = setTimeout(() => this.refresh(), REFRESH_MS);
  }

  render(data) {
    const self = typeof data.self === 'string' ? data.self : null;
    const members = Array.isArray(data.nodes) ? data.nodes.map(asRecord) : [];
    const lost = Array.isArray(data.lost) ? data.lost.map(asRecord) : [];
    const rows = [];
    const ids = new Set();
    for (const n of members) {
      ids.add(String(n.node_id));
      rows.push(this.row(n, String(n.state ?? 'live'), n.node_id === self));
    }
    // The most recent loss of each node that is not back, after the members.
    const shown = new Set(ids);
    for (const n of lost) {
      const id = String(n.node_id);
      if (shown.has(id)) continue;
      shown.add(id);
      rows.push(this.row(n, n.why === 'left' ? 'left' : 'lost', false));
    }
    this.body.replaceChildren(...rows);
    this.section.hidden = false;
    const live = members.filter((n) => n.state === 'live').length;
    this.summary.textContent = `${members.length} node${members.length === 1 ? '' : 's'} (${live} live)`
      + (lost.length ? `, ${lost.length} lost recently` : '');
    this.nodes = [...shown];
    this.onNodes(this.nodes);
  }

  row(n, state, self) {
    const id = el('th', 'node-id', isolated(String(n.node_id ?? '')));
    id.scope = 'row';
    if (self) id.append(el('span', 'self', ' (this node)'));
    if (typeof n.address === 'string') id.title = `${isolatedText(n.address)}`;
    const stateCell = el('td', `node-state ${state}`, el('span', 'dot', '●'), ` ${STATE_LABELS.get(state) ?? state}`);
    const clients = el('td', 'node-clients', state === 'live' || state === 'stale'
      ? String(n.clients ?? '–') : `${n.clients_reaped ?? 0} marked offline`);
    const when = el('td', 'node-when');
    if (state === 'live' || state === 'stale') {
      when.append(timeElement(n.last_heartbeat));
    } else {
      const why = String(n.why ?? '');
      when.append(timeElement(n.lost_at), el('span', 'reason', WHY_LABELS.get(why) ?? isolated(why)));
    }
    const row = el('tr', `node ${state}`, id, stateCell, clients, when);
    row.dataset.node = String(n.node_id ?? '');
    return row;
  }
}
