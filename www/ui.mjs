// Small DOM helpers shared by the dashboard's modules. Text is only ever set as text (never HTML).
import { isMapboxError } from '../pkg/web/mapbox_tokens.js';

export const $ = (id) => document.getElementById(id);

/**
 * Creates an element: `h('p', { class: 'note' }, 'text', child)`. Attributes set to null, undefined
 * or false are left out, `on<event>` attributes become listeners, and children are nodes or text.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name === 'className' ? 'class' : name, value === true ? '' : String(value));
  }
  el.append(...children.flat().filter((child) => child != null && child !== false));
  return el;
}

/** Text hidden on screen but read by screen readers, e.g. to say which token a button acts on. */
export const hiddenText = (text) => h('span', { class: 'visually-hidden' }, text);

/** Shows `text` in a feedback line; `kind` is '', 'ok' or 'error' (styles only). */
export function say(el, text, kind = '') {
  el.textContent = text;
  el.dataset.kind = kind;
}

/** A failure as a plain sentence: the MapboxError's own message (it never holds a token). */
export function errorText(err) {
  if (isMapboxError(err)) return err.message;
  return `Something unexpected went wrong (${err?.name ?? 'error'}). Reload the page and try again.`;
}

export const sayError = (el, err) => say(el, errorText(err), 'error');

/**
 * Runs `task` with the form's buttons disabled and `aria-busy` set, so that it is not sent twice;
 * focus comes back to the control that had it. Resolves to what `task` resolves to.
 */
export async function busy(form, task) {
  const focused = document.activeElement;
  const buttons = [...form.querySelectorAll('button')].filter((b) => !b.disabled);
  form.setAttribute('aria-busy', 'true');
  for (const b of buttons) b.disabled = true;
  try {
    return await task();
  } finally {
    form.removeAttribute('aria-busy');
    for (const b of buttons) b.disabled = false;
    if (document.activeElement === document.body && focused?.isConnected) focused.focus();
  }
}

/** Handles a form's submit event with `handler` (never a native submission). */
export function onSubmit(form, handler) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (form.getAttribute('aria-busy') !== 'true') busy(form, handler);
  });
}

export const USAGE_LABELS = { pk: 'Public (pk)', sk: 'Secret (sk)', tk: 'Temporary (tk)' };

/** A token's name in sentences and button labels: its note (or its id), quoted. */
export const tokenName = (token) => `“${token.note || token.id}”`;

// Numbers and the table's dates are formatted without Intl: the first Intl formatter a page makes
// loads locale data, which costs tens of milliseconds before the first table could be painted.

/** A whole number with thousands separators: 1000 → "1,000". */
export const formatNumber = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
/** `count(3, 'token')` → "3 tokens"; `count(1, 'token')` → "1 token". */
export const count = (n, singular, plural = `${singular}s`) => `${formatNumber(n)} ${n === 1 ? singular : plural}`;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** A day in local time, e.g. "Nov 28, 2026" (the page is in English). */
export const shortDate = (date) => `${MONTHS[date.getMonth()]} ${date.getDate()}, ${date.getFullYear()}`;

let dateTimeFormat = null;
/** A date and time in the reader's locale. */
const longDate = (date) => (dateTimeFormat ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' })).format(date);

/** A `<time>` element for a date or ISO 8601 string. */
export function timeEl(value) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return document.createTextNode(String(value));
  return h('time', { datetime: date.toISOString() }, longDate(date));
}

/** A `<dl>` of `[term, description]` pairs; a description is text or nodes. */
export function definitionList(pairs, className = 'facts') {
  return h('dl', { class: className }, pairs.map(([term, description]) => h('div', {}, h('dt', {}, term), h('dd', {}, description))));
}

/** Lines of a textarea, trimmed, without empty ones. */
export const lines = (text) => text.split('\n').map((line) => line.trim()).filter(Boolean);

/**
 * A token string with a Copy button; `feedback` tells whether copying worked.
 * `label` names the token for screen readers.
 */
export function tokenValue(token, label) {
  const code = h('code', { class: 'token-value' }, token);
  const feedback = h('span', { class: 'copy-feedback', 'aria-live': 'polite' });
  const copy = h('button', { type: 'button', class: 'secondary small', onclick: () => copyText(token, code, feedback) }, 'Copy', hiddenText(` ${label}`));
  return h('div', { class: 'token-box' }, code, h('span', { class: 'copy' }, copy, feedback));
}

async function copyText(text, code, feedback) {
  try {
    await navigator.clipboard.writeText(text);
    say(feedback, 'Copied.', 'ok');
  } catch {
    // No clipboard access (e.g. the permission was denied): select the text for a manual copy.
    getSelection().selectAllChildren(code);
    say(feedback, 'Copying was refused: the token is selected, press Ctrl+C to copy it.', 'error');
  }
}

/**
 * Opens a modal `dialog` and moves the keyboard into it (`focus`, else its first control). When it
 * closes, focus goes back to the control that opened it, or, if that one is gone, to
 * `fallback(section)`, `section` being the page section the opener was in.
 * Its `[data-close]` buttons close it.
 */
export function openDialog(dialog, { focus, fallback } = {}) {
  const opener = document.activeElement;
  const area = opener?.closest?.('section[id]') ?? null;
  if (!dialog.dataset.wired) {
    dialog.dataset.wired = 'true';
    dialog.addEventListener('click', (event) => {
      if (event.target.closest('[data-close]')) dialog.close();
    });
  }
  dialog.returnValue = '';
  dialog.showModal();
  (focus ?? dialog.querySelector('button, input, select, textarea'))?.focus();
  dialog.addEventListener('close', () => {
    const usable = opener?.isConnected && opener !== document.body && !opener.disabled && !opener.closest('[hidden]');
    const target = usable ? opener : fallback?.(area);
    target?.focus();
  }, { once: true });
}

/** Asks a yes/no question in the confirm dialog; resolves to true when confirmed. */
export function confirmDialog(text, { fallback } = {}) {
  const dialog = $('confirm-dialog');
  $('confirm-text').textContent = text;
  openDialog(dialog, { focus: dialog.querySelector('[autofocus]'), fallback });
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true });
  });
}

/**
 * Polls `client.rateLimit` (the client's pacing: `{ limit, interval, held, resumesIn }`) every
 * 250 ms and hands `onText` a sentence while calls are held for the rate limit, else ''. The page
 * paces nothing itself: the client holds calls beyond its limit. Returns a function that stops it.
 */
export function watchRateLimit(client, onText) {
  let last = null;
  const tick = () => {
    let pacing = null;
    try {
      pacing = client.rateLimit ?? null;
    } catch {
      pacing = null; // a freed client
    }
    const text = pacing && pacing.held > 0 && pacing.resumesIn > 0
      ? `Waiting ${Math.ceil(pacing.resumesIn / 1000)} s for the rate limit (${count(pacing.held, 'request')} held; ` +
        `the API allows ${formatNumber(pacing.limit)} every ${count(pacing.interval, 'second')}).`
      : '';
    if (text !== last) onText((last = text));
  };
  tick();
  const timer = setInterval(tick, 250);
  return () => clearInterval(timer);
}
