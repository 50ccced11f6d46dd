// What became of the commands sent from the table's rows: each row shows the receipt of its client's latest command.
//
// A row button sends POST /api/v1/clients/{id}/commands?wait=2s, which answers with the command's receipt once the
// client acknowledged or the command failed (200), or as it stands after two seconds (202: sent or delivered). A
// pending receipt is then followed with GET /api/v1/commands/{command_id} every second, for at most 30 s, until it
// is final: acknowledged, or failed with a reason (not_connected, node_lost, connection_closed, timed_out).
//
// Bounded: only the latest command of each client is kept, for at most MAX_TRACKED clients (the oldest forgotten
// first), and only while the client is in the dashboard's store (retain). Every receipt is a new object when it
// changes, with its element made once, so the table redraws a row only when its receipt changed.
//
// Ids and reasons are shown as text through visible.js, never parsed as HTML.

import { COMMANDS, adminFetch, asRecord, replyText } from './api.js';
import { isolatedText } from './visible.js';

const WAIT = '2s';
const POLL_MS = 1000;
const FOLLOW_MS = 30000;
const MAX_TRACKED = 50;
const PENDING = new Set(['sending', 'sent', 'delivered']);

/** The text a receipt shows: sent, delivered, acknowledged, failed: timed_out. */
function stateText(r) {
  if (r.state === 'failed') return `failed: ${r.reason ?? 'unknown'}`;
  if (r.state === 'error') return `not sent: ${r.reason}`;
  return r.state === 'sending' ? 'sending…' : r.state;
}

/** span.receipt: the command's label, then its state; the command id and times in the tooltip. */
function receiptElement(r) {
  const node = document.createElement('span');
  node.className = `receipt ${r.state}`;
  node.dataset.state = r.state;
  if (r.commandId) node.dataset.commandId = r.commandId;
  const label = document.createElement('span');
  label.className = 'receipt-command';
  label.textContent = `${COMMANDS.get(r.command) ?? r.command} `;
  const state = document.createElement('span');
  state.className = 'receipt-state';
  state.textContent = stateText(r);
  node.append(label, state);
  const id = r.commandId ? `command ${isolatedText(r.commandId)}` : 'no command id yet';
  const when = r.updated ? `, ${isolatedText(r.updated)}` : '';
  const followed = PENDING.has(r.state) && !r.followed ? ' (no longer followed: see the audit panel)' : '';
  node.title = `${COMMANDS.get(r.command) ?? r.command}: ${stateText(r)} (${id}${when})${followed}`;
  return node;
}

/** A receipt as the dashboard keeps it, from the API's JSON (or the sending placeholder). */
function receipt(command, fields) {
  const r = {
    command,
    commandId: typeof fields.command_id === 'string' ? fields.command_id : null,
    state: typeof fields.state === 'string' ? fields.state : 'error',
    reason: typeof fields.reason === 'string' ? fields.reason : null,
    updated: typeof fields.updated === 'string' ? fields.updated : null,
    followed: fields.followed ?? true,
    since: fields.since ?? Date.now(),
  };
  r.element = receiptElement(r);
  return r;
}

/** The receipts of the latest commands sent from the rows; onChange() is told when any changed. */
export class RowReceipts {
  constructor({ onChange }) {
    /** client id → receipt, least recently sent first. */
    this.receipts = new Map();
    this.onChange = onChange;
    this.timer = 0;
  }

  /** The element showing the receipt of id's latest command, or null. */
  element(id) {
    return this.receipts.get(id)?.element ?? null;
  }

  /** Forgets the receipts of clients no longer in the store (has(id) false). */
  retain(has) {
    for (const id of this.receipts.keys()) {
      if (!has(id)) this.receipts.delete(id);
    }
  }

  set(id, r) {
    this.receipts.delete(id);
    this.receipts.set(id, r);
    while (this.receipts.size > MAX_TRACKED) this.receipts.delete(this.receipts.keys().next().value);
    this.onChange();
  }

  /**
   * Sends action to id with a receipt: resolves to {ok, text} where text says what came of it for a notice, or
   * rejects when the gateway does not answer.
   */
  async send(id, action) {
    const sending = receipt(action, { state: 'sending' });
    this.set(id, sending);
    let response;
    try {
      response = await adminFetch(`/api/v1/clients/${encodeURIComponent(id)}/commands?wait=${WAIT}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ command: action }),
      });
    } catch (e) {
      this.replace(id, sending, receipt(action, { state: 'error', reason: 'the gateway does not answer' }));
      throw e;
    }
    if (response.status !== 200 && response.status !== 202) {
      const text = await replyText(response);
      this.replace(id, sending, receipt(action, { state: 'error', reason: `${response.status}` }));
      return { ok: false, text };
    }
    const r = receipt(action, asRecord(await response.json().catch(() => null)));
    this.replace(id, sending, r);
    this.schedule();
    return r.state === 'failed' ? { ok: false, text: stateText(r) } : { ok: true, text: stateText(r) };
  }

  /** Puts next in place of current, unless another command to id was sent meanwhile. */
  replace(id, current, next) {
    if (this.receipts.get(id) === current) this.set(id, next);
  }

  schedule() {
    if (this.timer) return;
    const pending = [...this.receipts.values()].some((r) => r.commandId && PENDING.has(r.state) && r.followed);
    if (pending) this.timer = setTimeout(() => this.poll(), POLL_MS);
  }

  /** One round: every pending receipt asked for once, at most 30 s (and one last time) after it was sent. */
  async poll() {
    const now = Date.now();
    const rounds = [];
    for (const [id, r] of this.receipts) {
      if (!r.commandId || !PENDING.has(r.state) || !r.followed) continue;
      rounds.push(this.follow(id, r, now - r.since <= FOLLOW_MS));
    }
    await Promise.allSettled(rounds);
    this.timer = 0;
    this.schedule();
  }

  async follow(id, r, again) {
    let next = null;
    try {
      const response = await adminFetch(`/api/v1/commands/${encodeURIComponent(r.commandId)}`, { cache: 'no-store' });
      if (response.ok) {
        const fields = asRecord(await response.json());
        if (fields.state !== r.state || !again) {
          next = receipt(r.command, { ...fields, since: r.since, followed: again });
        }
      } else if (response.status === 404) {
        next = receipt(r.command, { command_id: r.commandId, state: r.state, updated: r.updated, followed: false });
      }
    } catch {
      // The gateway does not answer now: ask again next round.
    }
    if (!next && !again) {
      next = receipt(r.command, { command_id: r.commandId, state: r.state, updated: r.updated, followed: false });
    }
    if (next) this.replace(id, r, next);
  }
}
