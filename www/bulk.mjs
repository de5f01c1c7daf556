// Deleting the selected tokens: a confirmation listing them, then every delete started at once and
// paced by the client (which holds calls beyond the rate limit), a progress bar, the wait while the
// rate limit holds calls, and a summary with each failure and its reason.
import { $, count, errorText, formatNumber, h, openDialog, tokenName, watchRateLimit } from './ui.mjs';

/**
 * @param {{ session: object, table: ReturnType<import('./table.mjs').tokenTable>,
 *   onOwnTokenDeleted: () => void, fallbackFocus: () => HTMLElement|null }} options
 */
export function bulkDeleter({ session, table, onOwnTokenDeleted, fallbackFocus }) {
  const dialog = $('bulk-dialog');
  const title = $('bulk-title');
  const ask = $('bulk-ask');
  const run = $('bulk-run');
  const summary = $('bulk-summary');
  const bar = $('bulk-bar');
  const progressText = $('bulk-progress-text');
  const wait = $('bulk-wait');
  const stop = $('bulk-stop');
  const confirm = $('bulk-confirm');
  let pending = [];
  let controller = null;
  let ownDeleted = false;

  $('delete-selected').addEventListener('click', () => open(table.selection()));
  confirm.addEventListener('click', () => start());
  stop.addEventListener('click', () => {
    controller?.abort();
    stop.disabled = true;
    progressText.textContent += ' Stopping…';
  });
  dialog.addEventListener('cancel', (event) => {
    if (controller) event.preventDefault(); // Escape does not hide a run: Stop ends it
  });
  dialog.addEventListener('close', () => {
    if (ownDeleted) {
      ownDeleted = false;
      onOwnTokenDeleted();
    }
  });

  function open(tokens) {
    if (tokens.length === 0) return;
    // The page's own token goes last: once it is deleted, no other request can be made.
    pending = [...tokens.filter((t) => t.id !== session.ownId), ...tokens.filter((t) => t.id === session.ownId)];
    const n = count(pending.length, 'token');
    title.textContent = `Delete ${n}?`;
    $('bulk-question').textContent = `${pending.length === 1 ? 'This token' : `These ${n}`} will be deleted. Apps using ${pending.length === 1 ? 'it' : 'them'} stop working. This cannot be undone.`;
    $('bulk-notes').replaceChildren(...pending.map((t) => h('li', {}, tokenName(t), h('span', { class: 'help' }, ` (${t.id})`))));
    const own = pending.some((t) => t.id === session.ownId);
    $('bulk-warning').hidden = !own;
    $('bulk-warning').textContent = own ? 'The token this page is connected with is among them: it is deleted last, and then the page disconnects.' : '';
    confirm.textContent = `Delete ${n}`;
    ask.hidden = false;
    run.hidden = true;
    summary.hidden = true;
    openDialog(dialog, { focus: ask.querySelector('[data-close]'), fallback: fallbackFocus });
  }

  async function start() {
    const client = session.client;
    const tokens = pending;
    const total = tokens.length;
    controller = new AbortController();
    const { signal } = controller;
    const deleted = [];
    const failed = [];
    const stopped = [];
    let done = 0;

    ask.hidden = true;
    run.hidden = false;
    stop.disabled = false;
    title.textContent = `Deleting ${count(total, 'token')}…`;
    bar.max = total;
    bar.value = 0;
    const showProgress = () => {
      bar.value = done;
      progressText.textContent = `${formatNumber(done)} of ${count(total, 'token')} done: ${formatNumber(deleted.length)} deleted${failed.length ? `, ${formatNumber(failed.length)} failed` : ''}.`;
    };
    showProgress();
    stop.focus();
    const stopWatching = watchRateLimit(client, (text) => {
      wait.textContent = text;
    });

    const deleteOne = async (token) => {
      if (signal.aborted) {
        stopped.push(token);
        return;
      }
      try {
        await client.delete({ authorizationId: token.id, signal });
        deleted.push(token);
      } catch (err) {
        if (signal.aborted && err?.kind === 'Aborted') stopped.push(token);
        else failed.push({ token, reason: errorText(err) });
      }
      done++;
      showProgress();
    };

    // Started together: the client holds those beyond its rate limit and sends them as it allows.
    const own = tokens.filter((t) => t.id === session.ownId);
    await Promise.all(tokens.filter((t) => t.id !== session.ownId).map(deleteOne));
    for (const token of own) await deleteOne(token);

    stopWatching();
    controller = null;
    wait.textContent = '';
    table.removed(deleted.map((t) => t.id));
    ownDeleted = own.length > 0 && deleted.includes(own[0]);
    showSummary({ total, deleted, failed, stopped });
  }

  function showSummary({ total, deleted, failed, stopped }) {
    run.hidden = true;
    summary.hidden = false;
    title.textContent = failed.length || stopped.length ? 'Some tokens were not deleted' : `Deleted ${count(deleted.length, 'token')}`;
    const parts = [`Deleted ${formatNumber(deleted.length)} of ${count(total, 'token')}.`];
    if (failed.length) parts.push(`${count(failed.length, 'delete')} failed: ${failed.length === 1 ? 'that token still exists' : 'those tokens still exist'}.`);
    if (stopped.length) parts.push(`Stopped before ${count(stopped.length, 'token')} ${stopped.length === 1 ? 'was' : 'were'} deleted (a request already under way may still have deleted its token: Refresh to see).`);
    if (ownDeleted) parts.push('The token this page was connected with is deleted: the page disconnects when you close this.');
    $('bulk-summary-text').textContent = parts.join(' ');
    $('bulk-failures').replaceChildren(...failed.map(({ token, reason }) =>
      h('li', {}, h('strong', {}, tokenName(token)), ` (${token.id}): ${reason}`)));
    table.say(parts.slice(0, 2).join(' '), failed.length ? 'error' : 'ok');
    summary.focus();
  }
}
