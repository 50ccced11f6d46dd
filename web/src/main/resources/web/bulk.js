// Bulk commands on the table's filter: "Pause all", "Resume all", "Disconnect all" send one command to every
// connected client the filter selects, across the fleet, through POST /api/v1/commands.
//
// The filter becomes where expressions (whereOf): the search box client_id~<text>, the state filter
// connected==true or connected==false, the node filter gateway_node==<node>. A button first asks for a dry run and
// shows the matched count in a modal <dialog> (with the expressions and the first ids); only "confirm" sends, with
// limit equal to the count confirmed (at most MAX_LIMIT, the API's maximum, and the dialog says when it caps), so
// clients that start to match meanwhile are not reached. Cancel (or Escape) sends nothing.
//
// Ids and expressions are shown as text through visible.js, never parsed as HTML.

import { COMMANDS, adminFetch, asRecord, replyText } from './api.js';
import { el } from './table.js';
import { isolated } from './visible.js';

/** The largest limit POST /api/v1/commands takes (BulkCommands.MAX_LIMIT). */
export const MAX_LIMIT = 10000;
const PREVIEW_SHOWN = 5;

/** "1 client", "2,500 clients". */
function clients(n) {
  return `${n.toLocaleString('en-US')} client${n === 1 ? '' : 's'}`;
}

/**
 * The dashboard's filter ({query, state, node}) as where expressions. The search box matches ids ignoring case,
 * the gateway's ~ does not: the dialog says so when the two counts differ.
 */
export function whereOf(filter) {
  const where = [];
  const query = filter.query.trim();
  if (query) where.push(`client_id~${query}`);
  if (filter.state === 'connected') where.push('connected==true');
  if (filter.state === 'disconnected') where.push('connected==false');
  if (filter.node !== 'all') where.push(`gateway_node==${filter.node}`);
  return where;
}

/** POST /api/v1/commands: {ok, data} with the answer, or {ok: false, text} with the gateway's detail. */
async function post(body) {
  const response = await adminFetch('/api/v1/commands', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) return { ok: false, text: await replyText(response) };
  return { ok: true, data: asRecord(await response.json().catch(() => null)) };
}

export class BulkCommands {
  /**
   * @param e elements: buttons (button[data-bulk]), status, and the dialog's: dialog, title, summary, where,
   *     preview, note, cancel, confirm
   * @param handlers filter() the dashboard's filter now, shownConnected() how many connected clients the table
   *     shows for it, onSent() after a command went out
   */
  constructor(e, { filter, shownConnected, onSent }) {
    this.e = e;
    this.filter = filter;
    this.shownConnected = shownConnected;
    this.onSent = onSent;
    this.pending = null;
    for (const button of e.buttons) button.addEventListener('click', () => this.ask(button.dataset.bulk));
    e.cancel.addEventListener('click', () => e.dialog.close('cancel'));
    e.confirm.addEventListener('click', () => this.send());
    e.dialog.addEventListener('close', () => {
      if (this.pending && e.dialog.returnValue !== 'confirm') this.say('Cancelled: nothing was sent.');
      this.pending = null;
    });
  }

  say(...parts) {
    this.e.status.replaceChildren(...parts);
  }

  busy(on) {
    for (const button of this.e.buttons) button.disabled = on;
  }

  /** The dry run, then the dialog. */
  async ask(action) {
    const label = COMMANDS.get(action) ?? action;
    const where = whereOf(this.filter());
    this.busy(true);
    this.say(`Counting the clients to ${label.toLowerCase()}…`);
    try {
      const { ok, text, data } = await post({ command: action, where, limit: MAX_LIMIT, dry_run: true });
      if (!ok) {
        this.say('Cannot send to this filter: ', isolated(text)); // the detail quotes the expression
        return;
      }
      this.say('');
      this.confirmDialog(action, where, data);
    } catch (e) {
      this.say(`Cannot count the clients: ${e.message}`);
    } finally {
      this.busy(false);
    }
  }

  confirmDialog(action, where, data) {
    const label = COMMANDS.get(action) ?? action;
    const matched = Number(data.matched) || 0;
    const limit = Math.min(matched, MAX_LIMIT);
    this.pending = { action, where, matched, limit };
    const e = this.e;
    e.dialog.dataset.matched = String(matched);
    e.dialog.dataset.limit = String(limit);
    e.title.textContent = `${label} all?`;
    e.summary.textContent = matched === 0
      ? 'No connected client matches the filter: nothing would be sent.'
      : `${matched.toLocaleString('en-US')} connected ${matched === 1 ? 'client matches' : 'clients match'} the filter.`;
    e.where.replaceChildren(...(where.length
      ? where.map((w) => el('li', null, el('code', null, isolated(w))))
      : [el('li', null, 'No filter: every connected client of the fleet.')]));
    const ids = (Array.isArray(data.client_ids) ? data.client_ids : []).slice(0, PREVIEW_SHOWN).map(String);
    const preview = ids.length ? ['First by id: '] : [];
    ids.forEach((id, i) => preview.push(...(i ? [', '] : []), isolated(id)));
    if (matched > ids.length && ids.length) preview.push(', …');
    e.preview.replaceChildren(...preview);
    const notes = [];
    if (matched > MAX_LIMIT) {
      notes.push(`Capped: at most ${clients(MAX_LIMIT)} at once (the API's maximum), the first by id.`);
    }
    const shown = this.shownConnected();
    if (shown !== matched) {
      notes.push(`The table shows ${clients(shown)} connected for this filter; the gateway counts every node's `
        + 'clients and compares ids case-sensitively.');
    }
    e.note.textContent = notes.join(' ');
    e.note.hidden = notes.length === 0;
    e.confirm.textContent = `${label} ${clients(limit)}`;
    e.confirm.disabled = limit === 0;
    e.confirm.className = action === 'disconnect' ? 'danger' : '';
    e.dialog.returnValue = '';
    e.dialog.showModal();
  }

  /** Sends what the dialog confirmed, at most as many as it showed. */
  async send() {
    const p = this.pending;
    if (!p || p.limit === 0) return;
    this.e.dialog.close('confirm');
    const label = COMMANDS.get(p.action) ?? p.action;
    this.busy(true);
    this.say(`Sending ${label.toLowerCase()} to ${clients(p.limit)}…`);
    try {
      const { ok, text, data } = await post({ command: p.action, where: p.where, limit: p.limit });
      if (!ok) {
        this.say(`${label} all failed: `, isolated(text));
        return;
      }
      const sent = Number(data.sent) || 0;
      const delivered = Number(data.delivered) || 0;
      const matched = Number(data.matched) || 0;
      const capped = matched > sent ? ` (limit ${p.limit.toLocaleString('en-US')})` : '';
      this.say(`${label} sent to ${clients(sent)} of ${matched.toLocaleString('en-US')} matched${capped}, `
        + `${delivered.toLocaleString('en-US')} delivered.`);
    } catch (e) {
      this.say(`${label} all: the gateway does not answer (${e.message}); see the audit panel.`);
    } finally {
      this.busy(false);
      this.onSent();
    }
  }
}
