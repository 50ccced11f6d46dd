// Client Status Dashboard.
//
// render(snapshot) draws one snapshot in the shape of GET /statuses
// ({"redis_status": ..., "clients": {"<id>": {"<field>": "<string>"}}, "data_source": ...}).
// poll() fetches such a snapshot and hands it to render(); startPolling() repeats that every 5 s.
// A live feed can later call render() with the same shape and stopPolling().
//
// Client data is only ever inserted as text (textContent / Text nodes), never parsed as HTML.

const POLL_INTERVAL_MS = 5000;
const ACTIONS = [
  ['pause', 'Pause'],
  ['resume', 'Resume'],
  ['disconnect', 'Disconnect'],
];
const STORE_LABELS = new Map([
  ['embedded', ['Embedded store (no Redis configured)', 'ok']],
  ['connected', ['Connected', 'ok']],
  ['unavailable', ['Unavailable', 'bad']],
  ['unknown', ['Unknown', 'unknown']],
]);

const byId = (id) => document.getElementById(id);

/** An element with a class and children; strings become Text nodes. */
function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children);
  return node;
}

/** A server timestamp (ISO-8601) as "YYYY-MM-DD HH:MM:SS UTC"; anything else as it is. */
function timeElement(value) {
  const node = document.createElement('time');
  const text = typeof value === 'string' ? value : '';
  const date = new Date(text);
  if (text && !Number.isNaN(date.getTime())) {
    node.dateTime = date.toISOString();
    node.title = text;
    node.textContent = date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  } else {
    node.textContent = text || '–';
  }
  return node;
}

function asRecord(value) {
  return value !== null && typeof value === 'object' ? value : {};
}

function clientRow(id, fields) {
  const connected = fields.connected === 'true';
  const shown = connected ? ['connected', 'last_seen'] : ['connected', 'disconnect_time', 'status_detail'];

  const status = el('td', connected ? 'state on' : 'state off',
    el('span', 'dot', '●'), connected ? ' Connected' : ' Disconnected');

  const when = el('td', 'when');
  if (connected) {
    when.append('Last seen: ', timeElement(fields.last_seen));
  } else {
    when.append('Disconnected: ', timeElement(fields.disconnect_time));
    if (fields.status_detail !== undefined) {
      when.append(el('div', 'detail', String(fields.status_detail)));
    }
  }

  const details = el('ul', 'attrs');
  for (const [name, value] of Object.entries(fields)) {
    if (!shown.includes(name)) {
      details.append(el('li', null, el('span', 'name', name), el('span', 'value', String(value))));
    }
  }

  const actions = el('td', 'actions');
  for (const [action, label] of ACTIONS) {
    const button = el('button', action === 'disconnect' ? 'danger' : null, label);
    button.type = 'button';
    button.disabled = !connected;
    button.addEventListener('click', () => sendCommand(id, action));
    actions.append(button);
  }

  const idCell = el('th', 'id', id);
  idCell.scope = 'row';
  return el('tr', connected ? null : 'gone', idCell, status, when,
    el('td', null, details.childElementCount ? details : '–'), actions);
}

/** Draws a snapshot of every client. */
export function render(snapshot) {
  const data = asRecord(snapshot);
  const clients = Object.entries(asRecord(data.clients))
    .sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }));

  const [label, kind] = STORE_LABELS.get(data.redis_status) ?? [String(data.redis_status ?? 'unknown'), 'unknown'];
  const store = byId('redis-status');
  store.textContent = label;
  store.className = `store ${kind}`;
  byId('data-source').textContent = data.data_source ? `Data source: ${data.data_source}` : '';

  const rows = document.createDocumentFragment();
  let connected = 0;
  for (const [id, value] of clients) {
    const fields = asRecord(value);
    if (fields.connected === 'true') connected++;
    rows.append(clientRow(id, fields));
  }
  if (clients.length === 0) {
    const cell = el('td', 'empty', 'No clients yet.');
    cell.colSpan = 5;
    rows.append(el('tr', null, cell));
  }
  byId('clients').replaceChildren(rows);
  byId('count-connected').textContent = String(connected);
  byId('count-disconnected').textContent = String(clients.length - connected);
  byId('count-total').textContent = String(clients.length);
  byId('updated').textContent = new Date().toLocaleTimeString();
}

function showBanner(id, text, kind) {
  const banner = byId(id);
  banner.hidden = !text;
  banner.textContent = text ?? '';
  if (kind) banner.className = `banner ${kind}`;
}

/** The text of an error reply: FastAPI's {"detail": ...}, else the status line. */
async function replyText(response) {
  const body = asRecord(await response.json().catch(() => null));
  const text = body.message ?? body.detail;
  return typeof text === 'string' ? text : `${response.status} ${response.statusText}`;
}

const TOKEN_KEY = 'serpentis.adminToken';

/**
 * fetch() for the admin API: sends the admin token kept for this browser session, and when the gateway answers
 * 401 (a token is configured) asks for it once, keeps it in sessionStorage and retries.
 */
export async function adminFetch(url, options = {}) {
  const send = () => {
    const headers = { Accept: 'application/json', ...(options.headers ?? {}) };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = `Bearer ${token}`;
    return fetch(url, { ...options, headers });
  };
  let response = await send();
  if (response.status === 401) {
    const token = window.prompt('This gateway needs its admin token (GATEWAY_ADMIN_TOKEN):');
    if (token) {
      sessionStorage.setItem(TOKEN_KEY, token.trim());
      response = await send();
    }
  }
  return response;
}

/** POST /clients/{id}/{action}; shows the reply, then refreshes. */
export async function sendCommand(id, action) {
  try {
    const response = await adminFetch(`/clients/${encodeURIComponent(id)}/${action}`, { method: 'POST' });
    showBanner('notice', await replyText(response), response.ok ? 'ok' : 'error');
  } catch (e) {
    showBanner('notice', `Could not send ${action} to ${id}: ${e.message}`, 'error');
  }
  poll();
}

let polling = false;
let timer = 0;
let inFlight = false;
let again = false;

/** Fetches GET /statuses once and renders it; schedules the next poll while polling. */
export async function poll() {
  if (inFlight) {
    again = true;
    return;
  }
  inFlight = true;
  clearTimeout(timer);
  try {
    const response = await adminFetch('/statuses', { cache: 'no-store' });
    if (!response.ok) throw new Error(await replyText(response));
    render(await response.json());
    showBanner('error', null);
  } catch (e) {
    showBanner('error', `Could not load client statuses: ${e.message}. Retrying every 5 s.`);
  } finally {
    inFlight = false;
    if (again) {
      again = false;
      poll();
    } else if (polling) {
      timer = setTimeout(poll, POLL_INTERVAL_MS);
    }
  }
}

export function startPolling() {
  polling = true;
  poll();
}

export function stopPolling() {
  polling = false;
  clearTimeout(timer);
}

startPolling();
