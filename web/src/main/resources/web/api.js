// The admin HTTP API as the dashboard uses it: the admin token, the commands' names, and reply texts.
//
// When the gateway has an admin token configured, admin requests answer 401 until the browser sends it; the
// dashboard then asks the operator once and keeps the token for this browser session (sessionStorage), for the
// HTTP API (Authorization header) and for the live feed (a WebSocket subprotocol, see feed.js).

const TOKEN_KEY = 'serpentis.adminToken';

/** The admin token kept for this browser session, or null. */
export function adminToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Asks the operator for the admin token and keeps it; returns whether one was given. */
export function askForToken() {
  const token = window.prompt('This gateway needs its admin token (GATEWAY_ADMIN_TOKEN):');
  if (!token || !token.trim()) return false;
  sessionStorage.setItem(TOKEN_KEY, token.trim());
  return true;
}

/**
 * fetch() for the admin API: sends the admin token kept for this browser session, and when the gateway answers
 * 401 (a token is configured) asks for it once, keeps it and retries.
 */
export async function adminFetch(url, options = {}) {
  const send = () => {
    const headers = { Accept: 'application/json', ...(options.headers ?? {}) };
    const token = adminToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    return fetch(url, { ...options, headers });
  };
  let response = await send();
  if (response.status === 401 && askForToken()) {
    response = await send();
  }
  return response;
}

/** A JSON object as it is; anything else (null, an array, a string, a number) as an empty object. */
export function asRecord(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

/** The text of a reply: {"message": ...} or {"detail": ...}, else the status line. */
export async function replyText(response) {
  const body = asRecord(await response.json().catch(() => null));
  const text = body.message ?? body.detail;
  return typeof text === 'string' ? text : `${response.status} ${response.statusText}`;
}

/** The commands an operator can send a client: wire name → button label. */
export const COMMANDS = new Map([
  ['pause', 'Pause'],
  ['resume', 'Resume'],
  ['disconnect', 'Disconnect'],
]);

