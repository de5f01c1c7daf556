// The token dashboard: loads the package's web build, connects to a Tokens API, and wires the
// panels together. The access token lives in the client (and, if the user asks, in this tab's
// sessionStorage); it is never put in the URL nor written to the console.
import init, { Tokens, parseToken } from '../pkg/web/mapbox_tokens.js';
import { tokenTable } from './table.mjs';
import { $, busy, errorText, onSubmit, say, sayError } from './ui.mjs';

const STORAGE_KEY = 'mapbox-token-dashboard';
const DEFAULT_ORIGIN = 'https://api.mapbox.com';
const PANELS = ['sections', 'tokens', 'review', 'create', 'temporary'];
const FIRST_PANELS = ['sections', 'tokens'];
/** Milliseconds the first page may take before the table's frame shows, saying it is loading. */
const FRAME_DELAY = 100;

/** What the panels share: the connected client, the account's scopes, the connecting token's id. */
const session = { client: null, scopes: [], ownId: null };

const fields = { accessToken: $('access-token'), origin: $('api-origin'), username: $('account') };
const connectPanel = $('connect');
const connectForm = $('connect-form');
const connectStatus = $('connect-status');
const changeButton = $('change-button');
const remember = $('remember');
/** Whether the form holds what `make start` filled in (the local note says so while it is open). */
let filledLocally = false;

// Marks on the way to the first table (read by the tests, which print them).
performance.mark('dashboard:modules-evaluated');
// The wasm module is asked for first; the local server's settings and this tab's storage (whose
// first use takes a few milliseconds) are read while it compiles.
const wasm = init();
const config = localConfig(); // read even when unused, so that its preload (index.html) is used
const saved = readSaved();
await wasm.catch((err) => {
  say(connectStatus, 'This browser could not start the dashboard: its WebAssembly module did not load. Reload the page to try again.', 'error');
  throw err;
});
performance.mark('dashboard:wasm-ready');

/** The panels around the table (panels.mjs), loaded after the first table paint: null until then. */
let panels = null;
let panelsLoading = null;

const table = tokenTable({
  session,
  onOpen: (token, options) => loadPanels().then((ui) => ui.open(token, options)),
  onChange: () => panels?.tableChanged(),
});

onSubmit(connectForm, () => connect(readFields(), { fromForm: true }));
$('disconnect-button').addEventListener('click', () => disconnect('Disconnected. The token is forgotten.'));
changeButton.addEventListener('click', () => fold(!connectForm.hidden));
remember.addEventListener('change', () => {
  if (!remember.checked) sessionStorage.removeItem(STORAGE_KEY);
  else if (session.client) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(readFields()));
});
$('connect-button').disabled = false;

await start();
await loadPanels();

/**
 * Connects with what this tab remembered, else with the local emulator's settings, if served by
 * `make start`; else opens the form.
 */
async function start() {
  if (saved) {
    remember.checked = true;
    fillFields(saved);
    await busy(connectForm, () => connect(saved));
    return;
  }
  const local = await config;
  performance.mark('dashboard:config-read');
  if (local) {
    filledLocally = true;
    fillFields({ origin: local.origin, accessToken: local.accessToken });
    await busy(connectForm, () => connect(readFields()));
  } else {
    say(connectStatus, '');
    fold(false);
  }
}

/** Loads and sets up the panels around the table, once; resolves to them. */
function loadPanels() {
  panelsLoading ??= import('./panels.mjs').then(({ setUpPanels }) => {
    panels = setUpPanels({
      session,
      table,
      onOwnTokenDeleted: () => disconnect('The token this page was connected with was deleted: connect with another one.'),
      origin: () => fields.origin.value.trim() || DEFAULT_ORIGIN,
    });
    panels.tableChanged();
    performance.mark('dashboard:panels-ready');
    return panels;
  });
  return panelsLoading;
}

/** Connects and shows the first page; `fromForm`: the user submitted the form (it gets the focus back). */
async function connect({ accessToken, origin, username }, { fromForm = false } = {}) {
  disconnect('');
  if (!accessToken) {
    fold(false);
    say(connectStatus, 'Enter an access token.', 'error');
    fields.accessToken.focus();
    return;
  }
  let client;
  try {
    client = new Tokens({ accessToken, origin: origin || DEFAULT_ORIGIN, ...(username && { username }) });
  } catch (err) {
    fold(false);
    sayError(connectStatus, err);
    return;
  }
  if (!client.username) {
    client.free();
    fold(false);
    say(connectStatus, 'This token does not name its account: check that you pasted all of it, or fill in the account.', 'error');
    return;
  }
  say(connectStatus, `Connecting to ${client.username} at ${client.origin}…`);
  session.client = client;
  session.ownId = ownIdOf(accessToken);
  // The first page is asked for first. When it takes a while, the table's frame shows meanwhile;
  // a quick answer is laid out once, with the table's frame (one layout less before it shows).
  const firstPage = table.reload();
  performance.mark('dashboard:first-page-asked');
  const showFrame = () => {
    for (const id of FIRST_PANELS) $(id).hidden = false;
  };
  const frameTimer = setTimeout(() => {
    if (session.client !== client) return;
    showFrame();
    table.say('Loading the tokens…', '');
  }, FRAME_DELAY);
  try {
    await firstPage;
  } catch (err) {
    if (session.client !== client) return;
    disconnect('');
    fold(false);
    sayError(connectStatus, err);
    return;
  } finally {
    clearTimeout(frameTimer);
  }
  if (session.client !== client) return; // disconnected meanwhile
  showFrame();
  // Only the create forms need the scopes: asked for once the first page is in, not to compete with it.
  const scopes = client.listScopes().then(({ data }) => ({ data }), (error) => ({ error }));
  performance.mark('dashboard:table-shown');
  if (remember.checked) sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ accessToken, origin, username }));
  else sessionStorage.removeItem(STORAGE_KEY);
  // The other panels once the table is painted, with the scope pickers filled.
  let ui;
  let scopeList;
  try {
    [scopeList, ui] = await Promise.all([scopes, afterPaint().then(loadPanels)]);
  } catch (err) {
    sayError(connectStatus, err);
    return;
  }
  if (session.client !== client) return;
  for (const id of PANELS) $(id).hidden = false;
  ui.setScopes(scopeList.data ?? null);
  const scopeNote = scopeList.error ? `. Only public scopes are offered: the list of scopes could not be read. ${errorText(scopeList.error)}` : '';
  say(connectStatus, `Connected to ${client.username} at ${client.origin}${scopeNote}`, 'ok');
  $('connected-actions').hidden = false;
  fold(true);
  // Connected from the form, which folds away: the keyboard goes to the line that replaces it.
  if (fromForm) changeButton.focus();
}

/** Forgets the client and every token shown; `message` says why (and opens the form). */
function disconnect(message) {
  // Not freed here: a request of it may still be running. The garbage collector frees it.
  session.client = null;
  session.ownId = null;
  session.scopes = [];
  table.clear();
  panels?.clear();
  for (const id of PANELS) $(id).hidden = true;
  $('connected-actions').hidden = true;
  if (message) {
    sessionStorage.removeItem(STORAGE_KEY);
    remember.checked = false;
    fields.accessToken.value = '';
    filledLocally = false;
    fold(false);
    say(connectStatus, message);
  }
}

/**
 * Folds the connect panel into its status line (with Disconnect and Change once connected), or
 * opens its form.
 */
function fold(folded) {
  connectPanel.classList.toggle('folded', folded);
  connectForm.hidden = folded;
  $('local-note').hidden = folded || !filledLocally;
  changeButton.setAttribute('aria-expanded', String(!folded));
}

/** Resolves once the browser has painted what the page shows now. */
function afterPaint() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

function readFields() {
  return {
    accessToken: fields.accessToken.value.trim(),
    origin: fields.origin.value.trim(),
    username: fields.username.value.trim(),
  };
}

function fillFields(values) {
  for (const [key, field] of Object.entries(fields)) field.value = values[key] ?? field.value;
}

function ownIdOf(accessToken) {
  try {
    return parseToken(accessToken).authorization ?? null;
  } catch {
    return null;
  }
}

function readSaved() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY));
    return typeof saved?.accessToken === 'string' ? saved : null;
  } catch {
    return null;
  }
}

/** `/config.json`, served only by the local server (`make start`); null anywhere else. */
async function localConfig() {
  try {
    // The same request as index.html's preload, which it takes over; the server says no-store.
    const response = await fetch('config.json');
    if (!response.ok) return null;
    const config = await response.json();
    return config?.local === true && typeof config.origin === 'string' && typeof config.accessToken === 'string' ? config : null;
  } catch {
    return null;
  }
}
