// The charts panel: the fleet over the last hour and the distribution of one attribute.
//
// - History: GET /api/v1/fleet/history (kept by the gateway, in Redis in a fleet, so a page opened now shows the
//   last hour) is loaded at once and again every sampling interval, and drawn as two small line charts in inline
//   SVG: connected and disconnected clients, and status updates per second.
// - Distribution: GET /api/v1/fleet/summary?group_by=<attribute> every few seconds, drawn as horizontal bars, one
//   per value (the largest first), with "no value" and "other values" rows when there are such clients.
//
// Drawn by this module (no charting library): SVG elements made with createElementNS, positions and sizes as
// attributes, colours in style.css, so nothing here needs an inline style (the page's CSP allows none). Every
// number is also written as text next to its chart, and each chart has a title and a description for screen
// readers. Attribute values come from clients: they are only ever shown as text through visible.js, isolated,
// never parsed as HTML.

import { adminFetch, asRecord } from './api.js';
import { el } from './table.js';
import { isolated, isolatedText } from './visible.js';

const SVG = 'http://www.w3.org/2000/svg';
const HOUR_MS = 3600 * 1000;
const MIN_SPAN_MS = 120 * 1000;
const WIDTH = 600;
const HEIGHT = 150;
const PAD = { left: 48, right: 8, top: 8, bottom: 20 };
const DISTRIBUTION_MS = 5000;
const DISTRIBUTION_GROUPS = 12;
const MAX_ATTRIBUTE_NAMES = 200;
const DEFAULT_ATTRIBUTE = 'client_state';

/** An SVG element with attributes; strings among children become Text nodes. */
function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  node.append(...children);
  return node;
}

/** A number for people: 12,345 or 3.25. */
function number(n) {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** The smallest of 1, 2, 5 × 10^k that is at least n (the y axis's top), 1 at least. */
function niceMax(n) {
  if (!(n > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  return [1, 2, 5, 10].map((m) => m * p).find((m) => m >= n);
}

/** "14:20 UTC" for an epoch ms time. */
function clock(ms) {
  return `${new Date(ms).toISOString().slice(11, 16)} UTC`;
}

/** The samples of a history answer as {t (ms), connected, disconnected, rate}, oldest first, bad ones left out. */
function parseSamples(data) {
  const out = [];
  for (const s of Array.isArray(data.samples) ? data.samples : []) {
    const r = asRecord(s);
    const t = typeof r.t === 'string' ? Date.parse(r.t) : NaN;
    if (Number.isNaN(t)) continue;
    out.push({
      t,
      connected: Number(r.connected) || 0,
      disconnected: Number(r.disconnected) || 0,
      rate: Number(r.updates_per_s) || 0,
    });
  }
  return out;
}

/**
 * One line chart in an <svg>: series [{key, label, values}] over times, the hour before the newest sample. The
 * svg gets a <title> and a <desc> with the latest values and the maxima; each series is a polyline (class
 * "series <key>", data-points its number of points).
 */
function drawLines(target, title, times, series, unit) {
  const top = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const end = times.length ? times[times.length - 1] : Date.now();
  // The time axis spans the samples there are, from two minutes up to the hour: a fleet that started a minute ago
  // fills half the chart instead of its last pixels.
  const span = times.length ? Math.min(HOUR_MS, Math.max(MIN_SPAN_MS, end - times[0])) : HOUR_MS;
  const start = end - span;
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (t) => PAD.left + ((t - start) / span) * plotW;
  const y = (v) => PAD.top + plotH - (v / top) * plotH;
  const latest = series.map((s) => `${number(s.values.at(-1) ?? 0)} ${s.label}`).join(', ');
  const peaks = series.map((s) => `${s.label} at most ${number(Math.max(0, ...s.values))}`).join(', ');
  const desc = times.length
    ? `${times.length} samples from ${clock(times[0])} to ${clock(end)}. Latest: ${latest}${unit}. Over that time: ${peaks}.`
    : 'No samples yet.';
  const titleId = `${target.id}-title`;
  const descId = `${target.id}-desc`;
  const children = [
    svg('title', { id: titleId }, title),
    svg('desc', { id: descId }, desc),
    svg('line', { class: 'axis', x1: PAD.left, y1: PAD.top + plotH, x2: WIDTH - PAD.right, y2: PAD.top + plotH }),
    svg('line', { class: 'grid', x1: PAD.left, y1: PAD.top, x2: WIDTH - PAD.right, y2: PAD.top }),
    svg('text', { class: 'tick', x: PAD.left - 4, y: PAD.top + 4, 'text-anchor': 'end' }, number(top)),
    svg('text', { class: 'tick', x: PAD.left - 4, y: PAD.top + plotH, 'text-anchor': 'end' }, '0'),
    svg('text', { class: 'tick', x: PAD.left, y: HEIGHT - 4 }, clock(start)),
    svg('text', { class: 'tick', x: WIDTH - PAD.right, y: HEIGHT - 4, 'text-anchor': 'end' }, clock(end)),
  ];
  for (const s of series) {
    const points = s.values.map((v, i) => `${x(times[i]).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    children.push(svg('polyline', { class: `series ${s.key}`, points, 'data-points': s.values.length }));
  }
  target.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  target.setAttribute('role', 'img');
  target.setAttribute('aria-labelledby', `${titleId} ${descId}`);
  target.dataset.samples = String(times.length);
  target.dataset.max = String(top);
  target.dataset.spanMs = String(span);
  target.replaceChildren(...children);
}

/**
 * The history charts: clients (connected, disconnected) and updates per second, with the latest numbers as text.
 * Loaded on start and again every sampling interval.
 */
export class HistoryCharts {
  /** elements: {clients, rate} (svg), {connected, disconnected, updates, status} (text). */
  constructor(elements) {
    this.e = elements;
    this.timer = 0;
    this.intervalMs = 10000;
  }

  start() {
    this.refresh();
  }

  async refresh() {
    clearTimeout(this.timer);
    try {
      const response = await adminFetch('/api/v1/fleet/history', { cache: 'no-store' });
      if (response.ok) {
        const data = asRecord(await response.json());
        const interval = Number(data.interval_s);
        if (interval >= 1) this.intervalMs = interval * 1000;
        this.render(parseSamples(data));
      } else {
        this.e.status.textContent = `History unavailable (${response.status}).`;
      }
    } catch {
      this.e.status.textContent = 'History unavailable: the gateway does not answer.';
    }
    this.timer = setTimeout(() => this.refresh(), this.intervalMs);
  }

  render(samples) {
    const times = samples.map((s) => s.t);
    const last = samples.at(-1);
    drawLines(this.e.clients, 'Connected and disconnected clients over the last hour', times, [
      { key: 'connected', label: 'connected', values: samples.map((s) => s.connected) },
      { key: 'disconnected', label: 'disconnected', values: samples.map((s) => s.disconnected) },
    ], '');
    drawLines(this.e.rate, 'Status updates per second over the last hour', times, [
      { key: 'updates', label: 'updates per second', values: samples.map((s) => s.rate) },
    ], '');
    this.e.connected.textContent = last ? number(last.connected) : '–';
    this.e.disconnected.textContent = last ? number(last.disconnected) : '–';
    this.e.updates.textContent = last ? number(last.rate) : '–';
    this.e.status.textContent = last
      ? `${samples.length} sample${samples.length === 1 ? '' : 's'}, one every ${this.intervalMs / 1000} s; latest at ${clock(last.t)}.`
      : `No samples yet: the gateway takes one every ${this.intervalMs / 1000} s.`;
  }
}

/** A bar of width fraction (0..1) of the whole, with the connected part drawn over it. */
function bar(total, connected, max, label) {
  const w = (n) => (max > 0 ? (n / max) * 100 : 0).toFixed(2);
  return svg('svg', { class: 'bar', viewBox: '0 0 100 10', preserveAspectRatio: 'none', role: 'img', 'aria-label': label },
    svg('rect', { class: 'total', x: 0, y: 0, width: w(total), height: 10 }),
    svg('rect', { class: 'connected', x: 0, y: 0, width: w(connected), height: 10 }));
}

/**
 * The distribution of one attribute across the fleet: a row per value (the value as isolated text, a bar, the
 * counts as text), refreshed every few seconds. attributeNames() lists the names the selector offers.
 */
export class DistributionChart {
  /** elements: {select, body, summary}. */
  constructor(elements, attributeNames) {
    this.e = elements;
    this.attributeNames = attributeNames;
    this.attribute = DEFAULT_ATTRIBUTE;
    this.timer = 0;
    // The names the records carry now, when the operator goes to choose (and at every refresh).
    this.e.select.addEventListener('focus', () => this.offerNames());
    this.e.select.addEventListener('pointerdown', () => this.offerNames());
    this.e.select.addEventListener('change', () => {
      this.attribute = this.e.select.value;
      this.refresh();
    });
  }

  start() {
    this.refresh();
  }

  async refresh() {
    clearTimeout(this.timer);
    this.offerNames();
    const attribute = this.attribute;
    try {
      const url = `/api/v1/fleet/summary?group_by=${encodeURIComponent(attribute)}&limit=${DISTRIBUTION_GROUPS}`;
      const response = await adminFetch(url, { cache: 'no-store' });
      const data = asRecord(await response.json().catch(() => null));
      if (attribute !== this.attribute) return; // the selection changed meanwhile: its own refresh draws it
      if (response.ok) {
        this.render(data);
      } else {
        this.e.summary.textContent = typeof data.detail === 'string' ? data.detail : `${response.status}`;
      }
    } catch {
      this.e.summary.textContent = 'Distribution unavailable: the gateway does not answer.';
    }
    this.timer = setTimeout(() => this.refresh(), DISTRIBUTION_MS);
  }

  /** The selector offers the default, the current choice and the names the records carry (at most 200). */
  offerNames() {
    const names = new Set([DEFAULT_ATTRIBUTE, this.attribute]);
    for (const name of [...this.attributeNames()].sort()) {
      if (names.size >= MAX_ATTRIBUTE_NAMES) break;
      names.add(name);
    }
    const current = [...this.e.select.options].map((o) => o.value);
    const wanted = [...names].sort();
    if (wanted.length === current.length && wanted.every((n, i) => n === current[i])) return;
    this.e.select.replaceChildren(...wanted.map((name) => {
      const option = document.createElement('option');
      option.value = name;
      option.textContent = isolatedText(name);
      return option;
    }));
    this.e.select.value = this.attribute;
  }

  render(data) {
    const groups = (Array.isArray(data.groups) ? data.groups : []).map(asRecord);
    const rows = groups.map((g) => ({ value: String(g.value ?? ''), connected: Number(g.connected) || 0, total: Number(g.total) || 0 }));
    const missing = asRecord(data.missing);
    const other = asRecord(data.other);
    const extra = [];
    if (Number(other.total) > 0) {
      extra.push({ label: `${number(Number(other.values) || 0)} other values`, kind: 'other', ...counts(other) });
    }
    if (Number(missing.total) > 0) extra.push({ label: 'no value', kind: 'missing', ...counts(missing) });
    const max = Math.max(1, ...rows.map((r) => r.total), ...extra.map((r) => r.total));
    const out = rows.map((r) => this.row(isolated(r.value), isolatedText(r.value), r, max, 'value'));
    for (const r of extra) out.push(this.row(el('em', null, r.label), r.label, r, max, r.kind));
    if (!out.length) {
      out.push(el('tr', 'empty', el('td', null, 'No clients yet.')));
      out[0].firstChild.colSpan = 3;
    }
    this.e.body.replaceChildren(...out);
    const matched = Number(data.matched) || 0;
    const values = rows.length + (Number(other.values) || 0);
    this.e.summary.textContent = `${number(matched)} client${matched === 1 ? '' : 's'}, ${number(values)} value${values === 1 ? '' : 's'}`;
  }

  row(labelNode, labelText, r, max, kind) {
    const label = el('th', 'dist-value', labelNode);
    label.scope = 'row';
    const text = `${number(r.total)} (${number(r.connected)} connected)`;
    const row = el('tr', `dist ${kind}`, label,
      el('td', 'dist-bar', bar(r.total, r.connected, max, `${labelText}: ${text}`)),
      el('td', 'dist-count', text));
    row.dataset.total = String(r.total);
    row.dataset.connected = String(r.connected);
    return row;
  }
}

function counts(bucket) {
  return { connected: Number(bucket.connected) || 0, total: Number(bucket.total) || 0 };
}
