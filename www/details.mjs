// The details of the token chosen in the table: every scope (public and secret apart), the allowed
// URLs, a public token's string with Copy, the dates, and the actions Edit, Rotate and Delete.
import { PUBLIC_SCOPES } from '../pkg/web/mapbox_tokens.js';
import { $, USAGE_LABELS, count, definitionList, h, timeEl, tokenName, tokenValue } from './ui.mjs';

const PLACEHOLDER = 'Select a token to see its scopes, allowed URLs and actions.';

/**
 * @param {{ session: { scopes: object[], ownId: string|null },
 *   actions: { edit: (token: object) => void, rotate: (token: object) => void, remove: (token: object) => void },
 *   onLeave: (token: object|null) => void }} options `onLeave` takes the keyboard back to the table
 */
export function tokenDetails({ session, actions, onLeave }) {
  const panel = $('details');
  const heading = $('details-heading');
  const body = $('details-body');
  const buttons = $('details-actions');
  const rotate = $('details-rotate');
  let token = null;

  $('details-edit').addEventListener('click', () => token && actions.edit(token));
  rotate.addEventListener('click', () => token && actions.rotate(token));
  $('details-delete').addEventListener('click', () => token && actions.remove(token));
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !event.target.closest('dialog')) {
      event.preventDefault();
      onLeave(token);
    }
  });

  const isPublic = (id) => PUBLIC_SCOPES.includes(id) || session.scopes.some((s) => s.id === id && s.public);

  function render() {
    if (!token) {
      heading.textContent = 'Details';
      body.replaceChildren(h('p', { class: 'help' }, PLACEHOLDER));
      buttons.hidden = true;
      return;
    }
    heading.textContent = `Details of ${tokenName(token)}`;
    const pub = token.scopes.filter(isPublic);
    const secret = token.scopes.filter((id) => !isPublic(id));
    const own = token.id === session.ownId;
    body.replaceChildren(...[
      h('p', { class: 'badges' },
        h('span', { class: `badge usage-${token.usage}` }, USAGE_LABELS[token.usage] ?? token.usage),
        token.default && h('span', { class: 'badge default' }, 'Default'),
        own && h('span', { class: 'badge own' }, 'This page’s token')),
      definitionList([
        ['Note', token.note || h('span', { class: 'muted' }, 'No note')],
        ['Id', h('code', {}, token.id)],
        ['Created', timeEl(token.created)],
        ['Modified', timeEl(token.modified)],
      ]),
      h('h4', {}, `Scopes (${token.scopes.length})`),
      token.scopes.length === 0 && h('p', {}, 'None.'),
      scopeGroup('Public', pub, 'public'),
      scopeGroup('Secret', secret, 'secret'),
      h('h4', {}, 'Allowed URLs'),
      token.allowedUrls?.length
        ? h('ul', { class: 'plain urls' }, token.allowedUrls.map((url) => h('li', {}, h('code', {}, url))))
        : h('p', {}, token.default ? 'Any URL (the default token cannot be restricted).' : 'Any URL: no restriction.'),
      h('h4', {}, 'Token'),
      // Public tokens are meant to be seen; the API never lists a secret one's string.
      token.usage === 'pk' && token.token
        ? tokenValue(token.token, `the token ${tokenName(token)}`)
        : h('p', { class: 'help' }, 'A secret token’s string is shown only once, when it is created.'),
      token.default && h('p', { class: 'help' }, 'The default public token cannot be rotated through the API: it is refreshed on the account page.'),
    ].filter(Boolean));
    rotate.hidden = token.default;
    buttons.hidden = false;
  }

  return {
    /** Shows `next`; with `focus`, the keyboard moves to the panel's heading. */
    show(next, { focus = false } = {}) {
      token = next;
      render();
      if (focus) heading.focus();
    },
    /** Shows the latest version of the token shown, or the placeholder once it is gone. */
    refresh(latest) {
      if (!token) return;
      const focusWasInside = panel.contains(document.activeElement) && !buttons.contains(document.activeElement);
      token = latest ?? null;
      render();
      if (!token && panel.contains(document.activeElement)) onLeave(null);
      else if (focusWasInside && document.activeElement === document.body) heading.focus();
    },
    current: () => token,
    clear() {
      token = null;
      render();
    },
  };
}

function scopeGroup(title, ids, kind) {
  if (ids.length === 0) return null;
  return h('div', { class: `scope-group ${kind}` },
    h('h5', {}, `${title} (${ids.length})`),
    h('ul', { class: 'chips', 'aria-label': `${title} scopes: ${count(ids.length, 'scope')}` }, ids.map((id) => h('li', {}, id))));
}
