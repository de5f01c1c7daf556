// Editing a token (note, scopes, allowed URLs) in a dialog, and deleting one after a confirmation.
import { scopePicker, withScopes } from './scopes.mjs';
import { $, confirmDialog, errorText, lines, onSubmit, openDialog, say, sayError, tokenName } from './ui.mjs';

const sameList = (a = [], b = []) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * @param {{ session: object, table: ReturnType<import('./table.mjs').tokenTable>,
 *   onOwnTokenDeleted: () => void, fallbackFocus: () => HTMLElement|null }} options
 *   `fallbackFocus` is where the keyboard goes when the control that opened a dialog is gone
 */
export function tokenEditor({ session, table, onOwnTokenDeleted, fallbackFocus }) {
  const dialog = $('edit-dialog');
  const form = $('edit-form');
  const status = $('edit-status');
  const note = $('edit-note');
  const urls = $('edit-urls');
  const picker = scopePicker($('edit-scopes'));
  let editing = null;

  $('edit-clear-urls').addEventListener('click', () => {
    urls.value = '';
    urls.focus();
  });

  onSubmit(form, async () => {
    const changes = changesOf(editing);
    if (Object.keys(changes).length === 0) {
      dialog.close();
      table.say(`Nothing to save: ${tokenName(editing)} is unchanged.`);
      return;
    }
    say(status, 'Saving…');
    try {
      const { data } = await session.client.update({ authorizationId: editing.id, ...changes });
      // A public token keeps its string, which the update's answer may leave out.
      table.put({ ...(editing.token && data.usage === 'pk' && { token: editing.token }), ...data });
      dialog.close();
      table.say(`Saved the changes to ${tokenName(data)}.`);
    } catch (err) {
      sayError(status, err);
    }
  });

  // Only what changed is sent; an emptied URL list removes the restriction (null).
  function changesOf(token) {
    const changes = {};
    if (note.value.trim() !== (token.note ?? '')) changes.note = note.value.trim();
    const scopes = picker.selected();
    if (!sameList([...scopes].sort(), [...token.scopes].sort())) changes.scopes = scopes;
    const allowed = lines(urls.value);
    if (!sameList(allowed, token.allowedUrls)) changes.allowedUrls = allowed.length ? allowed : null;
    return changes;
  }

  return {
    /** Opens the dialog for `token`. */
    edit(token) {
      editing = token;
      $('edit-which').textContent = `${tokenName(token)} (${token.id}), a ${token.usage === 'pk' ? 'public' : 'secret'} token.`;
      note.value = token.note ?? '';
      urls.value = (token.allowedUrls ?? []).join('\n');
      // The API refuses URL restrictions on the default token, and secret scopes on a public one.
      urls.disabled = token.default;
      $('edit-clear-urls').hidden = token.default;
      $('edit-urls-help').hidden = !token.default;
      picker.setScopes(withScopes(session.scopes, token.scopes));
      picker.select(token.scopes, (id) => token.usage === 'pk' && !session.scopes.find((s) => s.id === id)?.public);
      say(status, token.usage === 'pk' ? 'A public token cannot gain secret scopes.' : '');
      openDialog(dialog, { focus: note, fallback: fallbackFocus });
    },

    /** Deletes `token` once the user confirms. */
    async remove(token) {
      const own = token.id === session.ownId;
      const question =
        `Delete the token ${tokenName(token)} (${token.id})? Apps using it will stop working. This cannot be undone.` +
        (own ? ' It is the token this page is connected with: the page will disconnect.' : '');
      if (!(await confirmDialog(question, { fallback: fallbackFocus }))) return;
      try {
        await session.client.delete({ authorizationId: token.id });
        table.removed([token.id]);
        table.say(`Deleted the token ${tokenName(token)} (${token.id}).`);
        if (own) onOwnTokenDeleted();
      } catch (err) {
        table.say(errorText(err), 'error');
      }
    },
  };
}
