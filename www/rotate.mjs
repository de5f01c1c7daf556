// Rotating a token: the client's `rotate` makes a new token with the same settings, then, when
// asked, deletes the old one. The new token is shown once, in the dialog; when the delete fails
// the new token stays on screen and the dialog says that the old one still exists.
import { $, errorText, h, openDialog, say, tokenName, tokenValue } from './ui.mjs';

/**
 * @param {{ session: object, table: ReturnType<import('./table.mjs').tokenTable>,
 *   fallbackFocus: () => HTMLElement|null }} options
 */
export function tokenRotator({ session, table, fallbackFocus }) {
  const dialog = $('rotate-dialog');
  const ask = $('rotate-ask');
  const text = $('rotate-text');
  const deleteOld = $('rotate-delete-old');
  const deleteHelp = $('rotate-delete-help');
  const confirm = $('rotate-confirm');
  const status = $('rotate-status');
  const result = $('rotate-result');
  const done = $('rotate-done');
  let rotating = null;
  let running = false;

  // The new token is on screen only while the dialog is open.
  dialog.addEventListener('close', () => {
    result.replaceChildren();
    result.hidden = true;
  });
  dialog.addEventListener('cancel', (event) => {
    if (running) event.preventDefault(); // the answer is on its way: it must be seen
  });

  confirm.addEventListener('click', async () => {
    if (running) return;
    const token = rotating;
    if (typeof session.client?.rotate !== 'function') {
      say(status, 'This version of the mapbox-tokens package cannot rotate tokens: update it to rotate here.', 'error');
      return;
    }
    running = true;
    confirm.disabled = deleteOld.disabled = true;
    dialog.setAttribute('aria-busy', 'true');
    say(status, deleteOld.checked ? 'Creating the new token, then deleting the old one…' : 'Creating the new token…');
    try {
      const { data } = await session.client.rotate({ authorizationId: token.id, deleteOld: deleteOld.checked });
      table.put(listed(data.created));
      if (data.deleted) table.removed([token.id]);
      say(status, data.deleted
        ? `Rotated ${tokenName(token)}: the new token is ready and the old one is deleted.`
        : `Rotated ${tokenName(token)}: the new token is ready. The old one still exists: delete it once your apps use the new one.`, 'ok');
      showNewToken(data.created);
    } catch (err) {
      if (err?.created) {
        // Created, but the old one could not be deleted: the new token must not be lost.
        table.put(listed(err.created));
        say(status, `The new token is ready, but the old token ${tokenName(token)} could not be deleted: it still exists. Delete it once your apps use the new one.`, 'error');
        showNewToken(err.created, errorText(err));
      } else {
        say(status, errorText(err), 'error');
        confirm.disabled = false;
        deleteOld.disabled = token.id === session.ownId;
      }
    } finally {
      running = false;
      dialog.removeAttribute('aria-busy');
    }
  });

  /** Shows the new token once; `failure` says why the old one could not be deleted. */
  function showNewToken(created, failure = null) {
    ask.hidden = true;
    const secret = created.usage === 'sk';
    result.replaceChildren(...[
      h('h3', {}, `The new ${secret ? 'secret' : 'public'} token`),
      secret && h('p', { class: 'warning' }, 'Copy it now: this secret token cannot be shown again.'),
      tokenValue(created.token, 'the new token'),
      failure && h('p', { class: 'help', id: 'rotate-failure' }, `Why the old token is still there: ${failure}`),
    ].filter(Boolean));
    result.hidden = false;
    done.hidden = false;
    result.focus();
  }

  return {
    /** Opens the dialog for `token`. */
    open(token) {
      rotating = token;
      const own = token.id === session.ownId;
      text.textContent =
        `Rotating ${tokenName(token)} creates a new ${token.usage === 'pk' ? 'public' : 'secret'} token with the same ` +
        'scopes, note and allowed URLs, and shows it once. Apps keep working with the old token until it is deleted: ' +
        'switch them to the new one, then delete the old one.';
      deleteOld.checked = false;
      deleteOld.disabled = own;
      deleteHelp.textContent = own
        ? 'This page is connected with this token: delete the old one later, after connecting with the new one.'
        : 'Deletes the old token right after the new one is made. Apps still using it stop working.';
      ask.hidden = false;
      result.hidden = true;
      done.hidden = true;
      confirm.disabled = false;
      say(status, '');
      openDialog(dialog, { focus: confirm, fallback: fallbackFocus });
    },
  };
}

/** A token as the list shows it: a secret token's string is never kept. */
function listed(token) {
  if (token.usage === 'pk') return token;
  const { token: _secret, ...metadata } = token;
  return metadata;
}
