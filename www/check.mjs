// "Check a token": the API's verdict (checkValidity) beside the offline decode (parseToken).
import { Tokens, parseToken } from '../pkg/web/mapbox_tokens.js';
import { $, USAGE_LABELS, definitionList, errorText, h, onSubmit, say, sayError, timeEl } from './ui.mjs';

const VERDICTS = {
  TokenValid: 'The token is valid.',
  TokenMalformed: 'The token is malformed: it is not a Mapbox access token.',
  TokenInvalid: 'The token is invalid: the API did not issue it, or its account does not exist.',
  TokenExpired: 'The token has expired.',
  TokenRevoked: 'The token has been revoked (deleted).',
};

/**
 * @param {{ session: { client: object|null }, origin: () => string }} options `origin` is the
 *   connect form's API origin, used when the page is not connected
 */
export function tokenChecker({ session, origin }) {
  const input = $('check-token');
  const status = $('check-status');
  const result = $('check-result');

  onSubmit($('check-form'), async () => {
    const accessToken = input.value.trim();
    result.replaceChildren();
    if (!accessToken) {
      say(status, 'Paste a token to check.', 'error');
      return;
    }
    say(status, 'Checking…');
    // checkValidity needs no scope: without a connection, a client of the token itself will do.
    let client = session.client;
    try {
      client ??= new Tokens({ accessToken, origin: origin() });
      const { data } = await client.checkValidity({ accessToken });
      say(status, '');
      result.replaceChildren(verdictEl(data.code), decodeEl(accessToken));
    } catch (err) {
      sayError(status, err);
      result.replaceChildren(decodeEl(accessToken));
    } finally {
      if (client !== session.client) client?.free();
    }
  });
}

function verdictEl(code) {
  return h('div', { class: 'verdict', 'data-code': code },
    h('h3', {}, 'The API’s verdict'),
    h('p', {}, h('strong', {}, code), ': ', VERDICTS[code] ?? 'The API gave an answer this page does not know.'));
}

function decodeEl(token) {
  const section = h('div', { class: 'decoded' }, h('h3', {}, 'Decoded in this page'));
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
