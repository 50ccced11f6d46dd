// The dashboard's copy of every client record, kept up to date from snapshots and deltas (or from polls of
// GET /statuses), and the filtered, sorted view the table shows.
//
// A record is {"<field>": "<string>"} exactly as GET /statuses lists it; the store never interprets values
// beyond what the view needs (connected, times).

import { asRecord } from './api.js';

const collator = new Intl.Collator(undefined, { numeric: true });

/** A record's time for the "Last seen / Disconnected" column, in ms since the epoch (0 when unknown). */
function when(fields) {
  const text = fields.connected === 'true' ? fields.last_seen : fields.disconnect_time;
  const t = typeof text === 'string' ? Date.parse(text) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

const COMPARATORS = {
  id: (a, b) => collator.compare(a.id, b.id),
  node: (a, b) => collator.compare(a.node, b.node) || collator.compare(a.id, b.id),
  state: (a, b) => (b.connected - a.connected) || collator.compare(a.id, b.id),
  when: (a, b) => (a.when - b.when) || collator.compare(a.id, b.id),
};

export class ClientStore {
  constructor() {
    /** id → {id, fields, connected, when, lowerId} */
    this.clients = new Map();
    this.connected = 0;
    this.redisStatus = null;
    this.dataSource = null;
  }

  /** Replaces everything with {"<id>": fields} (a snapshot or a poll). */
  replaceAll(clients) {
    this.clients.clear();
    this.connected = 0;
    for (const [id, fields] of Object.entries(asRecord(clients))) {
      this.put(id, fields);
    }
  }

  /** Applies a delta: full records of changed clients, removed ids. */
  apply(clients, removed) {
    for (const [id, fields] of Object.entries(asRecord(clients))) {
      this.put(id, fields);
    }
    for (const id of Array.isArray(removed) ? removed : []) {
      const old = this.clients.get(String(id));
      if (old) {
        if (old.connected) this.connected--;
        this.clients.delete(String(id));
      }
    }
  }

  put(id, value) {
    const fields = asRecord(value);
    const entry = {
      id,
      lowerId: id.toLowerCase(),
      fields,
      connected: fields.connected === 'true',
      node: typeof fields.gateway_node === 'string' ? fields.gateway_node : '',
      when: when(fields),
    };
    const old = this.clients.get(id);
    if (old?.connected) this.connected--;
    if (entry.connected) this.connected++;
    this.clients.set(id, entry);
  }

  get(id) {
    return this.clients.get(id);
  }

  get size() {
    return this.clients.size;
  }

  /** The node ids the records name (gateway_node), sorted. */
  nodes() {
    const ids = new Set();
    for (const entry of this.clients.values()) {
      if (entry.node) ids.add(entry.node);
    }
    return [...ids].sort(collator.compare);
  }

  /** The clients matching the filter, sorted: an array of entries. */
  view({ query = '', state = 'all', node = 'all', sort = 'id', descending = false } = {}) {
    const q = query.trim().toLowerCase();
    const out = [];
    for (const entry of this.clients.values()) {
      if (state === 'connected' && !entry.connected) continue;
      if (state === 'disconnected' && entry.connected) continue;
      if (node !== 'all' && entry.node !== node) continue;
      if (q && !entry.lowerId.includes(q)) continue;
      out.push(entry);
    }
    out.sort(COMPARATORS[sort] ?? COMPARATORS.id);
    if (descending) out.reverse();
    return out;
  }
}
