// The token dashboard: loads the package's web build, connects to a Tokens API, and wires the
// panels together. The access token lives in the client (and, if the user asks, in this tab's
// sessionStorage); it is never put in the URL nor written to the console.
import init, { Tokens, parseToken } from '../pkg/web/mapbox_tokens.js';
import { bulkDeleter } from './bulk.mjs';
import { tokenChecker } from './check.mjs';
import { createForms } from './create.mjs';
import { tokenDetails } from './details.mjs';
import { tokenEditor } from './edit.mjs';
import { securityReview } from './review.mjs';
import { tokenRotator } from './rotate.mjs';
import { fallbackScopes } from './scopes.mjs';
import { tokenTable } from './table.mjs';
import { $, busy, errorText, onSubmit, say, sayError } from './ui.mjs';

const STORAGE_KEY = 'mapbox-token-dashboard';
const DEFAULT_ORIGIN = 'https://api.mapbox.com';
const PANELS = ['sections', 'tokens', 'review', 'create', 'temporary'];
const FIRST_PANELS = ['sections', 'tokens'];

/** What the panels share: the connected client, the account's scopes, the connecting token's id. */
const session = { client: null, scopes: [], ownId: null };

const fields = { accessToken: $('access-token'), origin: $('api-origin'), username: $('account') };
const connectStatus = $('connect-status');
const remember = $('remember');

// Marks on the way to the first table (read by the tests, which print them).
performance.mark('dashboard:modules-evaluated');
// The local server's settings are read while the wasm module compiles.
const saved = readSaved();
const config = localConfig(); // read even when unused, so that its preload (index.html) is used
await init();
performance.mark('dashboard:wasm-ready');

const table = tokenTable({
  session,
  onOpen(token, { focus }) {
    details.show(token, { focus });
    table.setCurrent(token.id);
    if (!focus) $('details').scrollIntoView({ block: 'nearest' });
  },
  onChange() {
    const shown = details.current();
    if (shown) details.refresh(table.get(shown.id));
    review.update();
  },
});
const actions = {
  Edit: (token) => editor.edit(token),
  Rotate: (token) => rotator.open(token),
  Delete: (token) => editor.remove(token),
};
const details = tokenDetails({
  session,
  actions: { edit: actions.Edit, rotate: actions.Rotate, remove: actions.Delete },
  onLeave(token) {
    if (!(token && table.focusRow(token.id))) table.focusTarget().focus();
  },
});
const onOwnTokenDeleted = () => disconnect('The token this page was connected with was deleted: connect with another one.');
const editor = tokenEditor({ session, table, onOwnTokenDeleted, fallbackFocus });
const rotator = tokenRotator({ session, table, fallbackFocus });
bulkDeleter({ session, table, onOwnTokenDeleted, fallbackFocus });
const review = securityReview({ session, table, actions });
const creator = createForms({ session, table });
tokenChecker({ session, origin: () => fields.origin.value.trim() || DEFAULT_ORIGIN });

onSubmit($('connect-form'), () => connect(readFields()));
$('disconnect-button').addEventListener('click', () => disconnect('Disconnected. The token is forgotten.'));
remember.addEventListener('change', () => {
  if (!remember.checked) sessionStorage.removeItem(STORAGE_KEY);
  else if (session.client) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(readFields()));
});
for (const button of [$('connect-button'), $('check-button')]) button.disabled = false;

await start();

/**
 * Where the keyboard goes when a dialog closes and the control that opened it is gone (e.g. a
 * finding that the action resolved): the section it was in, else the details, else the table.
 */
function fallbackFocus(section) {
  if (section?.id === 'review') return $('review-title');
  if (section?.id === 'details' && details.current()) return $('details-heading');
  return table.focusTarget();
}

/** Connects with what this tab remembered, else with the local emulator's settings, if served by `make start`. */
async function start() {
  if (saved) {
    remember.checked = true;
    fillFields(saved);
    await busy($('connect-form'), () => connect(saved));
    return;
  }
  const local = await config;
  performance.mark('dashboard:config-read');
  if (local) {
    $('local-note').hidden = false;
    fillFields({ origin: local.origin, accessToken: local.accessToken });
    await busy($('connect-form'), () => connect(readFields()));
  }
}

async function connect({ accessToken, origin, username }) {
  disconnect('');
  if (!accessToken) {
    say(connectStatus, 'Enter an access token.', 'error');
    fields.accessToken.focus();
    return;
  }
  let client;
  try {
    client = new Tokens({ accessToken, origin: origin || DEFAULT_ORIGIN, ...(username && { username }) });
  } catch (err) {
    sayError(connectStatus, err);
    return;
  }
  if (!client.username) {
    client.free();
    say(connectStatus, 'This token does not name its account: check that you pasted all of it, or fill in the account.', 'error');
    return;
  }
  say(connectStatus, `Connecting to ${client.origin}…`);
  session.client = client;
  session.ownId = ownIdOf(accessToken);
  const scopes = client.listScopes().then(({ data }) => ({ data }), (error) => ({ error }));
  // The table's frame is laid out while the first page is on its way.
  for (const id of FIRST_PANELS) $(id).hidden = false;
  table.say('Loading the tokens…', '');
  try {
    await table.reload();
  } catch (err) {
    disconnect('');
    sayError(connectStatus, err);
    return;
  }
  if (session.client !== client) return; // disconnected meanwhile
  // The table first; the other panels once it is painted, with the scope pickers filled.
  for (const id of FIRST_PANELS) $(id).hidden = false;
  performance.mark('dashboard:table-shown');
  $('disconnect-button').hidden = false;
  if (remember.checked) sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ accessToken, origin, username }));
  else sessionStorage.removeItem(STORAGE_KEY);
  const [{ data, error }] = await Promise.all([scopes, afterPaint()]);
  if (session.client !== client) return;
  for (const id of PANELS) $(id).hidden = false;
  session.scopes = data ?? fallbackScopes();
  const scopeNote = error ? ` Only public scopes are offered: the list of scopes could not be read. ${errorText(error)}` : '';
  creator.setScopes(session.scopes);
  say(connectStatus, `Connected to the account “${client.username}” at ${client.origin}.${scopeNote}`, 'ok');
}

/** Forgets the client and every token shown; `message` says why. */
function disconnect(message) {
  // Not freed here: a request of it may still be running. The garbage collector frees it.
  session.client = null;
  session.ownId = null;
  session.scopes = [];
  table.clear();
  details.clear();
  review.clear();
  creator.clear();
  for (const id of PANELS) $(id).hidden = true;
  $('disconnect-button').hidden = true;
  if (message) {
    sessionStorage.removeItem(STORAGE_KEY);
    remember.checked = false;
    fields.accessToken.value = '';
    $('local-note').hidden = true;
    say(connectStatus, message);
  }
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
