// The token list: filters, sort, page size, and "Load more" through the `nextStart` cursor.
import { $, USAGE_LABELS, definitionList, h, hiddenText, say, sayError, timeEl, tokenValue } from './ui.mjs';

/** A token's name in sentences and button labels: its note (or its id), quoted. */
export const tokenName = (token) => `“${token.note || token.id}”`;

/**
 * @param {{ session: { client: object|null, ownId: string|null },
 *   onEdit: (token: object) => void, onDelete: (token: object) => void }} options
 */
export function tokenList({ session, onEdit, onDelete }) {
  const list = $('token-list');
  const status = $('list-status');
  const more = $('load-more');
  const form = $('filters');
  /** id → the token shown, in the list's order. */
  const shown = new Map();
  let nextStart = null;
  let generation = 0; // a reload makes pages of an older load stale

  function filters() {
    const usage = $('filter-usage').value;
    const isDefault = $('filter-default').value;
    const limit = Number($('page-size').value);
    return {
      ...(usage && { usage }),
      ...(isDefault && { default: isDefault === 'true' }),
      sortby: $('sort-by').value,
      ...(Number.isInteger(limit) && limit >= 1 && limit <= 100 && { limit }),
    };
  }

  /** Reads a page (the first one when `fresh`); rejects with the MapboxError. */
  async function load(fresh) {
    const mine = fresh ? ++generation : generation;
    const { data, nextStart: next } = await session.client.listTokens({ ...filters(), ...(fresh ? {} : { start: nextStart }) });
    if (mine !== generation) return;
    if (fresh) clear();
    for (const token of data) put(token);
    nextStart = next;
    more.hidden = next === null;
    const count = `${shown.size} ${shown.size === 1 ? 'token' : 'tokens'} shown`;
    say(status, next === null ? `${count}: that is all of them.` : `${count}; more to load.`);
  }

  /** Loads in answer to the user, showing a failure in the list's status line. */
  async function loadShowingErrors(fresh) {
    more.disabled = true;
    try {
      await load(fresh);
    } catch (err) {
      sayError(status, err);
    } finally {
      more.disabled = false;
    }
  }

  function clear() {
    shown.clear();
    list.replaceChildren();
    nextStart = null;
    more.hidden = true;
  }

  /** Adds a token at the end, or updates it where it is. */
  function put(token) {
    const card = renderCard(token);
    const old = list.querySelector(`[data-id="${CSS.escape(token.id)}"]`);
    if (old) old.replaceWith(card);
    else list.append(card);
    shown.set(token.id, token);
  }

  function renderCard(token) {
    const name = tokenName(token);
    const own = token.id === session.ownId;
    return h('li', { class: 'token', 'data-id': token.id, 'data-usage': token.usage, tabindex: -1 },
      h('div', { class: 'token-head' },
        h('h3', {}, token.note || h('span', { class: 'muted' }, 'No note')),
        h('span', { class: `badge usage-${token.usage}` }, USAGE_LABELS[token.usage] ?? token.usage),
        token.default && h('span', { class: 'badge default' }, 'Default'),
        own && h('span', { class: 'badge own' }, 'This page’s token')),
      definitionList([
        ['Id', h('code', {}, token.id)],
        ['Scopes', scopesEl(token.scopes)],
        ['Allowed URLs', token.allowedUrls?.length ? h('ul', { class: 'plain' }, token.allowedUrls.map((u) => h('li', {}, u))) : 'Any URL'],
        ['Created', timeEl(token.created)],
        ['Modified', timeEl(token.modified)],
        // Public tokens are meant to be seen; secret ones are never listed with their string.
        ...(token.usage === 'pk' && token.token ? [['Token', tokenValue(token.token, name)]] : []),
      ]),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', onclick: () => onEdit(token) }, 'Edit', hiddenText(` ${name}`)),
        h('button', { type: 'button', class: 'danger', onclick: () => onDelete(token) }, 'Delete', hiddenText(` ${name}`))));
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    loadShowingErrors(true);
  });
  form.addEventListener('change', () => loadShowingErrors(true));
  more.addEventListener('click', async () => {
    const before = shown.size;
    await loadShowingErrors(false);
    // When the button goes away, keep the keyboard in place: on the first token just loaded.
    if (more.hidden) list.children[before]?.focus();
  });

  const matchesFilters = (token) => {
    const f = filters();
    return (!f.usage || f.usage === token.usage) && (f.default === undefined || f.default === token.default);
  };

  return {
    /** Loads the first page; rejects with the MapboxError (for the connect form to show). */
    reload: () => load(true),
    clear() {
      generation++;
      clear();
      say(status, '');
    },
    /** A token just created: it sorts last, so it belongs on screen once every page is loaded. */
    added(token) {
      if (nextStart === null && matchesFilters(token)) put(token);
    },
    replaced: put,
    /** Removes a token, moving the keyboard focus to its neighbour. */
    removed(id) {
      const card = list.querySelector(`[data-id="${CSS.escape(id)}"]`);
      const neighbour = card?.nextElementSibling ?? card?.previousElementSibling;
      card?.remove();
      shown.delete(id);
      neighbour?.focus();
    },
    say: (text, kind = 'ok') => say(status, text, kind),
  };
}

function scopesEl(scopes) {
  const chips = h('ul', { class: 'chips' }, scopes.map((s) => h('li', {}, s)));
  if (scopes.length <= 8) return scopes.length ? chips : 'None';
  return h('details', {}, h('summary', {}, `${scopes.length} scopes`), chips);
}
