// Client Status Dashboard.
//
// The picture of every client comes from the live feed (feed.js: a snapshot, then a delta of the clients that
// changed, at most every 250 ms). While the feed is unavailable the dashboard falls back to what the original did:
// poll() fetches GET /statuses every 5 s and render(snapshot) draws it; it keeps trying the feed and stops polling
// once the feed is back.
//
// In a fleet every node's dashboard shows every client of the fleet with the node that holds it (the Node column
// and filter), and the gateway nodes panel (nodes.js) lists the nodes, live, stale or lost.
//
// Client data is only ever inserted as text (textContent / Text nodes), never parsed as HTML, and always through
// visible.js: isolated from the text around it, with invisible and bidi-control characters shown as markers.
//
// The charts panel (charts.js) shows the fleet's last hour, kept by the gateway, and the distribution of one
// attribute. A row's buttons send commands with a receipt, and the row shows what became of the latest one
// (receipts.js); "Pause all" and the like send to every connected client the filter selects, after a dry run and
// a confirmation (bulk.js). The audit panel (audit.js) lists the latest operator actions.

import { COMMANDS, adminFetch, asRecord, replyText } from './api.js';
import { AuditPanel } from './audit.js';
import { BulkCommands } from './bulk.js';
import { DistributionChart, HistoryCharts } from './charts.js';
import { DashboardFeed } from './feed.js';
import { NodesPanel } from './nodes.js';
import { RowReceipts } from './receipts.js';
import { ClientStore } from './store.js';
import { ClientTable, renderDetails } from './table.js';
import { isolated, isolatedText } from './visible.js';

const POLL_INTERVAL_MS = 5000;
const POLL_INTERVAL_TEXT = `${POLL_INTERVAL_MS / 1000} s`;
const RATE_WINDOW_MS = 10000;
const STORE_LABELS = new Map([
  ['embedded', ['Embedded store (no Redis configured)', 'ok']],
  ['connected', ['Connected', 'ok']],
  ['unavailable', ['Unavailable', 'bad']],
  ['unknown', ['Unknown', 'unknown']],
]);
const FEED_LABELS = new Map([
  ['connecting', ['Connecting…', 'connecting']],
  ['live', ['Live', 'live']],
  ['resyncing', ['Resyncing…', 'connecting']],
  ['offline', [`Unavailable, polling every ${POLL_INTERVAL_TEXT}`, 'offline']],
]);

const byId = (id) => document.getElementById(id);

const store = new ClientStore();
const filter = { query: '', state: 'all', node: 'all', sort: 'id', descending: false };
/** Node ids from the nodes panel (members and recently lost ones). */
let panelNodes = [];
let selected = null;
const updates = [];

/** Shows a banner: text is a string, or an array of strings and nodes (client data as isolated()); null hides. */
function showBanner(id, text, kind) {
  const banner = byId(id);
  banner.hidden = !text;
  banner.replaceChildren(...(Array.isArray(text) ? text : [text ?? '']));
  if (kind) banner.className = `banner ${kind}`;
}

// ---- drawing

const receipts = new RowReceipts({ onChange: () => table.schedule() });

const table = new ClientTable(byId('viewport'), byId('clients'), {
  onAction: (id, action) => command(id, action),
  onSelect: (id) => select(id),
  receipt: (id) => receipts.element(id),
});

let frame = 0;

/** Redraws header, counts, table and details at the next animation frame (once however many updates came). */
function refresh() {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    draw();
  });
}

function draw() {
  const [label, kind] = STORE_LABELS.get(store.redisStatus) ?? [String(store.redisStatus ?? 'unknown'), 'unknown'];
  const redis = byId('redis-status');
  redis.textContent = label;
  redis.className = `store ${kind}`;
  byId('data-source').textContent = store.dataSource ? `Data source: ${store.dataSource}` : '';
  byId('count-connected').textContent = String(store.connected);
  byId('count-disconnected').textContent = String(store.size - store.connected);
  byId('count-total').textContent = String(store.size);

  drawNodeFilter();
  receipts.retain((id) => store.get(id) !== undefined);
  const rows = store.view(filter);
  const filtered = filter.query.trim() !== '' || filter.state !== 'all' || filter.node !== 'all';
  byId('shown').textContent = filtered ? `${rows.length} of ${store.size} shown` : `${store.size} clients`;
  table.setRows(rows, store.size === 0 ? 'No clients yet.' : 'No client matches the filter.');
  drawDetails();
}

/** The node filter offers every node the panel lists and every node a record names. */
function drawNodeFilter() {
  const select = byId('node-filter');
  const ids = [...new Set([...panelNodes, ...store.nodes()])].sort();
  const current = [...select.options].slice(1).map((o) => o.value);
  if (ids.length === current.length && ids.every((id, i) => id === current[i])) return;
  const options = [select.options[0]];
  for (const id of ids) {
    const option = document.createElement('option');
    option.value = id;
    option.textContent = isolatedText(id);
    options.push(option);
  }
  select.replaceChildren(...options);
  select.value = ids.includes(filter.node) ? filter.node : 'all';
  filter.node = select.value;
}

function drawDetails() {
  const panel = byId('details');
  const entry = selected === null ? null : store.get(selected);
  panel.hidden = entry === undefined || entry === null;
  if (!panel.hidden) {
    byId('details-title').replaceChildren(isolated(entry.id));
    renderDetails(byId('details-fields'), entry.fields);
  }
}

function select(id) {
  selected = id;
  drawDetails();
}

function updated() {
  const now = Date.now();
  updates.push(now);
  while (updates.length && updates[0] < now - RATE_WINDOW_MS) updates.shift();
  byId('updated').textContent = new Date(now).toLocaleTimeString();
}

function drawRate() {
  const now = Date.now();
  while (updates.length && updates[0] < now - RATE_WINDOW_MS) updates.shift();
  byId('update-rate').textContent = `${(updates.length / (RATE_WINDOW_MS / 1000)).toFixed(1)}/s`;
}

/**
 * Draws one snapshot in the shape of GET /statuses
 * ({"redis_status": ..., "clients": {"<id>": {"<field>": "<string>"}}, "data_source": ...}).
 */
export function render(snapshot) {
  const data = asRecord(snapshot);
  store.replaceAll(data.clients);
  store.redisStatus = data.redis_status ?? null;
  store.dataSource = data.data_source ?? null;
  updated();
  refresh();
}

// ---- commands

async function command(id, action) {
  const label = COMMANDS.get(action) ?? action;
  try {
    const { ok, text } = await receipts.send(id, action);
    if (ok) {
      showBanner('notice', [`${label} command sent to client `, isolated(id), '.'], 'ok');
    } else {
      showBanner('notice', [`${label} to `, isolated(id), ': ', isolated(text)], 'error'); // may quote the id
    }
  } catch (e) {
    showBanner('notice', [`Could not send ${action} to `, isolated(id), `: ${e.message}`], 'error');
  }
  audit.refresh();
  if (!feedLive) poll();
}

// ---- polling, the fallback

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
    if (!feedLive) {
      render(await response.json());
      showBanner('error', null);
    }
  } catch (e) {
    showBanner('error', `Could not load client statuses: ${e.message}. Retrying every ${POLL_INTERVAL_TEXT}.`);
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
  if (polling) return;
  polling = true;
  poll();
}

export function stopPolling() {
  polling = false;
  clearTimeout(timer);
}

// ---- the live feed

let feedLive = false;

function feedState(state, detail) {
  feedLive = state === 'live' || state === 'resyncing';
  const [label, kind] = FEED_LABELS.get(state) ?? [state, 'offline'];
  const node = byId('feed-state');
  node.textContent = label;
  node.className = `feed ${kind}`;
  node.title = detail ?? '';
  if (state === 'offline') {
    startPolling();
  } else if (feedLive) {
    stopPolling();
    showBanner('error', null);
  }
}

const feed = new DashboardFeed({
  onSnapshot: render, // a feed snapshot has the shape of GET /statuses, without data_source
  onDelta: (message) => {
    store.apply(message.clients, message.removed);
    store.redisStatus = message.redis_status ?? store.redisStatus;
    updated();
    refresh();
  },
  onState: feedState,
});

// ---- controls

function wireControls() {
  byId('filters').addEventListener('submit', (e) => e.preventDefault());
  byId('search').addEventListener('input', (e) => {
    filter.query = e.target.value;
    byId('viewport').scrollTop = 0;
    refresh();
  });
  byId('state-filter').addEventListener('change', (e) => {
    filter.state = e.target.value;
    byId('viewport').scrollTop = 0;
    refresh();
  });
  byId('node-filter').addEventListener('change', (e) => {
    filter.node = e.target.value;
    byId('viewport').scrollTop = 0;
    refresh();
  });
  for (const button of document.querySelectorAll('button.sort')) {
    button.addEventListener('click', () => {
      const key = button.dataset.sort;
      filter.descending = filter.sort === key ? !filter.descending : false;
      filter.sort = key;
      for (const other of document.querySelectorAll('button.sort')) {
        const th = other.closest('th');
        th.setAttribute('aria-sort', other === button ? (filter.descending ? 'descending' : 'ascending') : 'none');
      }
      refresh();
    });
  }
  byId('details-close').addEventListener('click', () => select(null));
  setInterval(drawRate, 1000);
}

/**
 * Makes sure the admin API answers (asking for the token once when the gateway needs one), so that the feed's
 * upgrade carries it too.
 */
async function checkAccess() {
  try {
    const response = await adminFetch('/api/v1/clients?limit=1', { cache: 'no-store' });
    if (!response.ok) showBanner('error', await replyText(response));
  } catch (e) {
    showBanner('error', `The gateway does not answer: ${e.message}`);
  }
}

const nodes = new NodesPanel(byId('nodes'), byId('node-rows'), byId('nodes-summary'), {
  onNodes: (ids) => {
    panelNodes = ids;
    refresh();
  },
});

const charts = new HistoryCharts({
  clients: byId('chart-clients'),
  rate: byId('chart-rate'),
  connected: byId('chart-connected'),
  disconnected: byId('chart-disconnected'),
  updates: byId('chart-updates'),
  status: byId('chart-status'),
});

/** The attribute names the records carry (at most 1000 looked at), for the distribution's selector. */
function attributeNames() {
  const names = new Set();
  for (const entry of store.clients.values()) {
    for (const name of Object.keys(entry.fields)) names.add(name);
    if (names.size >= 1000) break;
  }
  return names;
}

const audit = new AuditPanel({
  body: byId('audit-rows'),
  status: byId('audit-status'),
  older: byId('audit-older'),
  newest: byId('audit-newest'),
});

const bulk = new BulkCommands({
  buttons: [...document.querySelectorAll('button[data-bulk]')],
  status: byId('bulk-status'),
  dialog: byId('bulk-dialog'),
  title: byId('bulk-title'),
  summary: byId('bulk-summary'),
  where: byId('bulk-where'),
  preview: byId('bulk-preview'),
  note: byId('bulk-note'),
  cancel: byId('bulk-cancel'),
  confirm: byId('bulk-confirm'),
}, {
  filter: () => filter,
  shownConnected: () => store.view(filter).filter((entry) => entry.connected).length,
  onSent: () => audit.refresh(),
});

const distribution = new DistributionChart(
  { select: byId('dist-attribute'), body: byId('dist-rows'), summary: byId('dist-summary') },
  attributeNames,
);

wireControls();
checkAccess().then(() => {
  feed.start();
  nodes.start();
  charts.start();
  distribution.start();
  audit.start();
});
