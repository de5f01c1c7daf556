// Creating tokens: a permanent one (pk or sk, shown once when secret) and a temporary one (tk)
// with its expiry counting down.
import { parseToken } from '../pkg/web/mapbox_tokens.js';
import { scopePicker, usagePreview } from './scopes.mjs';
import { $, h, lines, onSubmit, say, sayError, timeEl, tokenValue } from './ui.mjs';

/**
 * A scope picker in `form`'s `{prefix}-scopes` element, whose selection is checked on submit:
 * `submit(scopes)` runs only when at least one scope is ticked.
 */
function scopedForm(prefix, submit, onChange) {
  const status = $(`${prefix}-status`);
  const picker = scopePicker($(`${prefix}-scopes`), onChange);
  onSubmit($(`${prefix}-form`), async () => {
    const scopes = picker.selected();
    if (scopes.length === 0) {
      say(status, 'Pick at least one scope.', 'error');
      return;
    }
    try {
      await submit(scopes, status);
    } catch (err) {
      sayError(status, err);
    }
  });
  return { picker, status };
}

/** Shows `children` in a result panel, with a button that empties it. */
function showResult(panel, title, ...children) {
  panel.replaceChildren(
    h('h3', {}, title),
    ...children,
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', onclick: () => hideResult(panel) }, 'Done, hide the token')),
  );
  panel.hidden = false;
  panel.focus();
}

function hideResult(panel) {
  panel.hidden = true;
  panel.replaceChildren();
}

/** @param {{ session: object, table: ReturnType<import('./table.mjs').tokenTable> }} options */
export function createForms({ session, table }) {
  const createPanel = $('create-result');
  const tempPanel = $('temporary-result');
  const preview = $('create-preview');
  let countdown = null;

  const permanent = scopedForm('create', async (scopes, status) => {
    const note = $('create-note').value.trim();
    const allowedUrls = lines($('create-urls').value);
    say(status, 'Creating…');
    const { data } = await session.client.create({ scopes, ...(note && { note }), ...(allowedUrls.length && { allowedUrls }) });
    const { token, ...metadata } = data;
    table.put(data.usage === 'pk' ? data : metadata);
    $('create-form').reset();
    permanent.picker.select([]);
    say(status, `Created the ${data.usage === 'pk' ? 'public' : 'secret'} token “${data.note || data.id}”.`, 'ok');
    if (data.usage === 'sk') {
      showResult(createPanel, 'Your new secret token',
        h('p', { class: 'warning', role: 'alert' }, 'Copy it now: this secret token cannot be shown again. Keep it somewhere safe, such as a password manager, and never in a web page.'),
        tokenValue(token, 'the new secret token'));
    } else {
      showResult(createPanel, 'Your new public token',
        h('p', {}, 'Public tokens stay visible in the token list.'),
        tokenValue(token, 'the new public token'));
    }
  }, (ids) => { preview.textContent = usagePreview(ids); });

  const temporary = scopedForm('temporary', async (scopes, status) => {
    const minutes = Number($('temporary-minutes').value);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 60) {
      say(status, 'The lifetime must be a whole number of minutes from 1 to 60.', 'error');
      return;
    }
    say(status, 'Creating…');
    const { data } = await session.client.createTempToken({ scopes, expires: minutes * 60 });
    say(status, `Created a temporary token with ${scopes.length === 1 ? 'one scope' : `${scopes.length} scopes`}.`, 'ok');
    const expires = data.expires ? new Date(data.expires) : parseToken(data.token).expires;
    const timer = h('p', { class: 'countdown', role: 'timer', 'aria-atomic': 'true' });
    showResult(tempPanel, 'Your temporary token',
      tokenValue(data.token, 'the temporary token'),
      h('p', {}, 'Valid until ', timeEl(expires), '.'),
      timer);
    startCountdown(timer, expires);
  });

  function startCountdown(el, expires) {
    clearInterval(countdown);
    const tick = () => {
      const left = Math.max(0, Math.ceil((expires.getTime() - Date.now()) / 1000));
      el.textContent = left > 0 ? `Expires in ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}` : 'Expired.';
      el.dataset.kind = left > 0 ? '' : 'error';
      if (left === 0 || !el.isConnected) clearInterval(countdown);
    };
    tick();
    countdown = setInterval(tick, 1000);
  }

  return {
    /** Fills the scope pickers with the account's catalogue. */
    setScopes(catalogue) {
      permanent.picker.setScopes(catalogue);
      temporary.picker.setScopes(catalogue);
    },
    /** Forgets every token shown (on disconnect). */
    clear() {
      clearInterval(countdown);
      for (const panel of [createPanel, tempPanel]) hideResult(panel);
      for (const { status } of [permanent, temporary]) say(status, '');
    },
  };
}
