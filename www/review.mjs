// The security review: findings computed in this page from the loaded tokens (nothing is sent
// anywhere), each a sentence with the action that fixes it.
import { $, count, formatNumber, h, hiddenText, shortDate, tokenName } from './ui.mjs';

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;
const SHOWN_PER_GROUP = 10;

/**
 * The kinds of finding, in the order shown. `test(token, context)` says whether a token has it;
 * `sentence(token, context)` explains it in one sentence; `actions` fix it (none: advice only).
 */
export const FINDING_KINDS = [
  {
    kind: 'public-any-url',
    title: 'Public tokens without URL restrictions',
    test: (t) => t.usage === 'pk' && !t.default && !t.allowedUrls?.length,
    sentence: (t) => `${tokenName(t)} is a public token that any website can use: add the URLs of your own sites to its allowed URLs.`,
    actions: ['Edit'],
  },
  {
    kind: 'secret-tokens-write',
    title: 'Secret tokens that can create tokens',
    test: (t) => t.usage === 'sk' && t.scopes.includes('tokens:write'),
    sentence: (t, { ownId }) =>
      `${tokenName(t)} holds tokens:write, so whoever has it can create more tokens: remove that scope unless it manages tokens` +
      (t.id === ownId ? ' (this page is connected with it).' : '.'),
    actions: ['Edit'],
  },
  {
    kind: 'stale',
    title: 'Tokens not modified for over a year',
    test: (t, { now }) => !t.default && now - Date.parse(t.modified) > YEAR_MS,
    sentence: (t) => `${tokenName(t)} has not changed since ${shortDate(new Date(t.modified))}: rotate it, or delete it if nothing uses it.`,
    actions: ['Rotate', 'Delete'],
  },
  {
    kind: 'no-note',
    title: 'Tokens without a note',
    test: (t) => !t.note?.trim(),
    sentence: (t) => `The ${t.usage === 'pk' ? 'public' : 'secret'} token ${t.id} has no note: add one that says what uses it, so that it can be reviewed.`,
    actions: ['Edit'],
  },
  {
    kind: 'default-token',
    title: 'The default public token',
    test: (t) => t.default,
    sentence: () =>
      'The default public token is shared by everything that uses your account and can be neither restricted nor rotated: give each app its own public token with allowed URLs (advice only).',
    actions: [],
  },
];

/**
 * Every finding for `tokens`: `[{ kind, token, text, actions }]`, grouped by kind in the order of
 * FINDING_KINDS. Pure: the same tokens, `now` and `ownId` give the same findings.
 */
export function reviewFindings(tokens, { now = Date.now(), ownId = null } = {}) {
  const context = { now, ownId };
  return FINDING_KINDS.flatMap(({ kind, test, sentence, actions }) =>
    tokens.filter((t) => test(t, context)).map((token) => ({ kind, token, text: sentence(token, context), actions })));
}

/**
 * @param {{ session: object, table: ReturnType<import('./table.mjs').tokenTable>,
 *   actions: Record<'Edit'|'Rotate'|'Delete', (token: object) => void> }} options
 */
export function securityReview({ session, table, actions }) {
  const summary = $('review-summary');
  const list = $('review-findings');
  const navCount = $('review-count');
  const expanded = new Set();
  let scheduled = false;

  function render() {
    scheduled = false;
    if (!session.client) return;
    const tokens = table.tokens();
    const findings = reviewFindings(tokens, { ownId: session.ownId });
    navCount.textContent = `(${formatNumber(findings.length)})`;
    const scope = table.complete()
      ? `the ${count(tokens.length, 'token')} of the account`
      : `the ${count(tokens.length, 'loaded token')}; load all tokens to review every one`;
    summary.replaceChildren(
      findings.length === 0 ? `No findings in ${scope}.` : `${count(findings.length, 'finding')} in ${scope}.`,
      ' Computed in this page: nothing is sent anywhere.',
      ...(table.complete() ? [] : [' ', h('button', { type: 'button', class: 'secondary small', onclick: () => table.loadAll() }, 'Load all tokens')]),
    );
    // The keyboard stays where it was: on the same button, or on the heading if its finding went.
    const focused = list.contains(document.activeElement) ? document.activeElement.dataset.key ?? '' : null;
    list.replaceChildren(...FINDING_KINDS.map((kind) => group(kind, findings.filter((f) => f.kind === kind.kind))).filter(Boolean));
    if (focused !== null) (list.querySelector(`[data-key="${CSS.escape(focused)}"]`) ?? $('review-title')).focus();
  }

  function group({ kind, title }, findings) {
    if (findings.length === 0) return null;
    const all = expanded.has(kind);
    const shown = all ? findings : findings.slice(0, SHOWN_PER_GROUP);
    const headingId = `finding-${kind}`;
    return h('section', { class: 'finding-group', 'data-kind': kind, 'aria-labelledby': headingId },
      h('h3', { id: headingId, tabindex: -1 }, `${title} (${formatNumber(findings.length)})`),
      h('ul', { class: 'findings' }, shown.map(({ token, text, actions: fixes }) =>
        h('li', { 'data-id': token.id },
          h('span', { class: 'finding-text' }, text),
          fixes.length > 0 && h('span', { class: 'finding-actions' }, fixes.map((action) =>
            h('button', { type: 'button', class: action === 'Delete' ? 'danger small' : 'secondary small', 'data-key': `${kind}/${token.id}/${action}`, onclick: () => actions[action](token) },
              action, hiddenText(` ${tokenName(token)}`))))))),
      findings.length > shown.length &&
        h('button', { type: 'button', class: 'secondary small', onclick: () => { expanded.add(kind); render(); $(headingId)?.focus(); } },
          `Show all ${formatNumber(findings.length)}`));
  }

  return {
    /** Recomputes after the browser has painted what changed (findings are never urgent). */
    update() {
      if (scheduled) return;
      scheduled = true;
      requestAnimationFrame(() => setTimeout(render, 0));
    },
    clear() {
      expanded.clear();
      navCount.textContent = '';
      summary.replaceChildren();
      list.replaceChildren();
    },
  };
}
