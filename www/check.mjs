// "Check a token": every Mapbox token in a pasted text (a token, a config file, a log line), each
// decoded in the page, and on request the API's verdict (checkValidity) on each.
import * as mapboxTokens from '../pkg/web/mapbox_tokens.js';
import { $, USAGE_LABELS, count, definitionList, errorText, h, hiddenText, onSubmit, say, sayError, timeEl } from './ui.mjs';

const { Tokens, parseToken } = mapboxTokens;

const VERDICTS = {
  TokenValid: 'The token is valid.',
  TokenMalformed: 'The token is malformed: it is not a Mapbox access token.',
  TokenInvalid: 'The token is invalid: the API did not issue it, or its account does not exist.',
  TokenExpired: 'The token has expired.',
  TokenRevoked: 'The token has been revoked (deleted).',
};

/** Token-shaped runs of text: a prefix, a base64url payload, a dot and a signature. */
const TOKEN_SHAPE = /(?<![A-Za-z0-9_-])(?:pk|sk|tk)\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g;

/**
 * Every Mapbox token in `text`, as the package's `findTokens` finds them:
 * `[{ token, redacted, usage, user, authorization?, index, line, column }]`. Package versions
 * without `findTokens` get the same from `parseToken` run on each token-shaped match.
 */
export function findTokensIn(text) {
  if (typeof mapboxTokens.findTokens === 'function') return mapboxTokens.findTokens(text);
  const found = [];
  let line = 1;
  let lineStart = 0;
  let scanned = 0;
  for (const match of text.matchAll(TOKEN_SHAPE)) {
    let info;
    try {
      info = parseToken(match[0]);
    } catch {
      continue; // a look-alike
    }
    for (; scanned < match.index; scanned++) {
      if (text.charCodeAt(scanned) === 10) {
        line++;
        lineStart = scanned + 1;
      }
    }
    found.push({
      token: match[0],
      redacted: `${match[0].slice(0, 13)}…`,
      usage: info.usage,
      user: info.user,
      ...(info.authorization && { authorization: info.authorization }),
      index: match.index,
      line,
      column: match.index - lineStart + 1,
    });
  }
  return found;
}

/**
 * @param {{ session: { client: object|null }, origin: () => string }} options `origin` is the
 *   connect form's API origin, used when the page is not connected
 */
export function tokenChecker({ session, origin }) {
  const input = $('check-text');
  const status = $('check-status');
  const result = $('check-result');
  let listed = []; // [{ candidate, slot }] of the text last listed
  let listedText = null;
  let pending = 0;

  /** The tokens of the text, each in its own entry with its decode; a lone word counts as one. */
  function list(text) {
    if (text === listedText) return listed;
    listedText = text;
    const found = findTokensIn(text);
    const word = text.trim();
    const candidates = found.length || !word || /\s/.test(word) ? found : [{ token: word, redacted: word.length > 16 ? `${word.slice(0, 13)}…` : word, line: null }];
    listed = candidates.map((candidate) => ({ candidate, ...entry(candidate) }));
    result.replaceChildren(...listed.map(({ item }) => item));
    if (!word) say(status, '');
    else if (found.length) say(status, `Found ${count(found.length, 'token')} in the text.`);
    else say(status, candidates.length ? 'This does not look like a Mapbox token: the API can still be asked.' : 'No Mapbox token found in the text.');
    return listed;
  }

  function entry(candidate) {
    const where = candidate.line ? `line ${candidate.line}, column ${candidate.column}` : 'the whole text';
    const slot = h('div', { class: 'verdict-slot' });
    const ask = h('button', { type: 'button', class: 'secondary small', onclick: () => checkOne(candidate, slot) },
      'Ask the API', hiddenText(` about the token at ${where}`));
    slot.append(ask);
    const item = h('li', { class: 'found' },
      h('h3', {}, h('code', {}, candidate.redacted), h('span', { class: 'where' }, ` ${where}`)),
      decodeEl(candidate.token),
      slot);
    return { item, slot };
  }

  async function checkOne(candidate, slot) {
    slot.replaceChildren(h('p', { class: 'help' }, 'Asking the API…'));
    // checkValidity needs no scope: without a connection, a client of the token itself will do.
    let client = session.client;
    try {
      client ??= new Tokens({ accessToken: candidate.token, origin: origin() });
      const { data } = await client.checkValidity({ accessToken: candidate.token });
      slot.replaceChildren(verdictEl(data.code));
      return true;
    } catch (err) {
      slot.replaceChildren(h('p', { class: 'feedback', 'data-kind': 'error' }, errorText(err)));
      return false;
    } finally {
      if (client !== session.client) client?.free();
    }
  }

  let timer = null;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => list(input.value), 150);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      $('check-form').requestSubmit();
    }
  });

  onSubmit($('check-form'), async () => {
    clearTimeout(timer);
    const entries = list(input.value);
    if (!input.value.trim()) {
      say(status, 'Paste a token, or a text with tokens in it.', 'error');
      return;
    }
    if (entries.length === 0) return;
    const mine = ++pending;
    say(status, `Asking the API about ${count(entries.length, 'token')}…`);
    try {
      const answers = await Promise.all(entries.map(({ candidate, slot }) => checkOne(candidate, slot)));
      if (mine !== pending) return;
      const failed = answers.filter((ok) => !ok).length;
      say(status, failed ? `The API could not be asked about ${count(failed, 'token')}: see below.` : `The API answered for ${count(entries.length, 'token')}.`, failed ? 'error' : '');
    } catch (err) {
      sayError(status, err);
    }
  });
}

function verdictEl(code) {
  return h('div', { class: 'verdict', 'data-code': code },
    h('h4', {}, 'The API’s verdict'),
    h('p', {}, h('strong', {}, code), ': ', VERDICTS[code] ?? 'The API gave an answer this page does not know.'));
}

function decodeEl(token) {
  const section = h('div', { class: 'decoded' }, h('h4', {}, 'Decoded in this page'));
  let info;
  try {
    info = parseToken(token);
  } catch (err) {
    section.append(h('p', { 'data-kind': 'error', class: 'feedback' }, errorText(err)));
    return section;
  }
  section.append(
    definitionList([
      ['Usage', USAGE_LABELS[info.usage] ?? info.usage],
      ['Account', info.user],
      ['Id', info.authorization ? h('code', {}, info.authorization) : 'None (temporary tokens have no id)'],
      ['Expires', info.expires ? timeEl(info.expires) : 'Never'],
      ...(info.scopes ? [['Scopes', info.scopes.join(', ')]] : []),
    ]),
    h('p', { class: 'help' }, 'Decoding does not check the signature: only the API’s verdict says whether the token works.'),
  );
  return section;
}
