// The live feed: a WebSocket to /ws/dashboard that delivers a snapshot, then numbered deltas.
//
// Deltas are numbered 1, 2, 3, ... without gaps and a snapshot carries the number of the last delta it includes,
// so a delta whose seq is not the previous one plus one means something was missed: the feed then asks for a
// fresh snapshot ({"type": "snapshot"}) and ignores deltas until it arrives. A large snapshot comes in parts
// (part 1..parts, one seq); the parts together replace the dashboard's state.
//
// The browser's WebSocket API cannot send an Authorization header: the admin token, when there is one, is offered
// as the subprotocol "bearer.<token>" next to "serpentis.dashboard.v1" (the one the gateway selects), or, if it
// contains characters a subprotocol cannot carry, as a token query parameter.

import { adminToken, asRecord } from './api.js';

const FEED_PATH = '/ws/dashboard';
export const SUBPROTOCOL = 'serpentis.dashboard.v1';
const TOKEN_CHARS = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30000;

/** States reported to onState: 'connecting', 'live', 'resyncing', 'offline'. */
export class DashboardFeed {
  /**
   * @param handlers onSnapshot(message with merged clients), onDelta(message), onState(state, detail)
   */
  constructor({ onSnapshot, onDelta, onState }) {
    this.onSnapshot = onSnapshot;
    this.onDelta = onDelta;
    this.onState = onState;
    this.ws = null;
    this.seq = null;
    this.parts = null;
    this.retryMs = RETRY_MIN_MS;
    this.timer = 0;
    this.stopped = false;
  }

  url() {
    const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
    return `${scheme}://${window.location.host}${FEED_PATH}`;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.ws?.close(1000, 'dashboard closed');
  }

  connect() {
    clearTimeout(this.timer);
    this.seq = null;
    this.parts = null;
    this.onState('connecting');
    const token = adminToken();
    const protocols = [SUBPROTOCOL];
    let url = this.url();
    if (token && TOKEN_CHARS.test(token)) {
      protocols.push(`bearer.${token}`);
    } else if (token) {
      url += `?token=${encodeURIComponent(token)}`;
    }
    let ws;
    try {
      ws = new WebSocket(url, protocols);
    } catch (e) {
      this.retry(`cannot open the feed: ${e.message}`);
      return;
    }
    this.ws = ws;
    ws.onmessage = (event) => this.receive(event.data);
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      const why = event.code === 1006 ? 'connection failed' : `closed (${event.code}${event.reason ? ` ${event.reason}` : ''})`;
      this.retry(why);
    };
  }

  retry(why) {
    if (this.stopped) return;
    this.onState('offline', why);
    this.timer = setTimeout(() => this.connect(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }

  requestSnapshot() {
    if (this.ws?.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify({ type: 'snapshot' }));
      this.onState('resyncing');
    }
  }

  receive(data) {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (message === null || typeof message !== 'object') return;
    if (message.type === 'snapshot') {
      this.receiveSnapshotPart(message);
    } else if (message.type === 'delta') {
      if (this.seq === null) return; // waiting for a snapshot
      if (message.seq !== this.seq + 1) {
        this.seq = null; // missed something: start again from a snapshot
        this.requestSnapshot();
        return;
      }
      this.seq = message.seq;
      this.onDelta(message);
    }
  }

  receiveSnapshotPart(message) {
    if (message.part === 1 || !this.parts || this.parts.seq !== message.seq) {
      // No prototype: an id such as "__proto__" stays an ordinary key.
      this.parts = { seq: message.seq, clients: Object.create(null), received: 0 };
    }
    for (const [id, fields] of Object.entries(asRecord(message.clients))) {
      this.parts.clients[id] = fields;
    }
    this.parts.received++;
    if (message.part !== message.parts) return;
    const complete = this.parts.received === message.parts;
    const clients = this.parts.clients;
    this.parts = null;
    if (!complete) {
      this.requestSnapshot();
      return;
    }
    this.seq = message.seq;
    this.retryMs = RETRY_MIN_MS;
    this.onSnapshot({ ...message, clients });
    this.onState('live');
  }
}
