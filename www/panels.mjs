// Everything of the dashboard but the connect form and the token table: the token's details, the
// edit, rotate and delete dialogs, the security review, the create forms and the token check.
// app.mjs loads this module once the first table is painted, so that none of it delays the table.
import { bulkDeleter } from './bulk.mjs';
import { tokenChecker } from './check.mjs';
import { createForms } from './create.mjs';
import { tokenDetails } from './details.mjs';
import { tokenEditor } from './edit.mjs';
import { securityReview } from './review.mjs';
import { tokenRotator } from './rotate.mjs';
import { fallbackScopes } from './scopes.mjs';
import { $ } from './ui.mjs';

/**
 * Sets up the panels around the table.
 * @param {{ session: { client: object|null, scopes: object[], ownId: string|null },
 *   table: ReturnType<import('./table.mjs').tokenTable>,
 *   onOwnTokenDeleted: () => void, origin: () => string }} options `onOwnTokenDeleted` runs when
 *   the token the page is connected with was deleted; `origin` is the connect form's API origin
 * @returns what app.mjs calls on the panels: `open` a token's details, `tableChanged` after the
 *   table's tokens changed, `setScopes` once connected, `clear` on disconnect
 */
export function setUpPanels({ session, table, onOwnTokenDeleted, origin }) {
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
  const editor = tokenEditor({ session, table, onOwnTokenDeleted, fallbackFocus });
  const rotator = tokenRotator({ session, table, fallbackFocus });
  bulkDeleter({ session, table, onOwnTokenDeleted, fallbackFocus });
  const review = securityReview({ session, table, actions });
  const creator = createForms({ session, table });
  tokenChecker({ session, origin });
  $('check-button').disabled = false;
  $('check').hidden = false;

  /**
   * Where the keyboard goes when a dialog closes and the control that opened it is gone (e.g. a
   * finding that the action resolved): the section it was in, else the details, else the table.
   */
  function fallbackFocus(section) {
    if (section?.id === 'review') return $('review-title');
    if (section?.id === 'details' && details.current()) return $('details-heading');
    return table.focusTarget();
  }

  return {
    /** Shows a token's details (`focus`: the keyboard goes there) and marks its row. */
    open(token, { focus }) {
      details.show(token, { focus });
      table.setCurrent(token.id);
      if (!focus) $('details').scrollIntoView({ block: 'nearest' });
    },
    /** Brings the details and the review up to date with the table. */
    tableChanged() {
      const shown = details.current();
      if (shown) details.refresh(table.get(shown.id));
      review.update();
    },
    /** The scopes the account can grant (`null`: unknown, only the public ones are offered). */
    setScopes(scopes) {
      session.scopes = scopes ?? fallbackScopes();
      creator.setScopes(session.scopes);
    },
    clear() {
      details.clear();
      review.clear();
      creator.clear();
    },
  };
}
