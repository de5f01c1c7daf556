// A stand-in for the library's findTokens, for the in-process tests of the folder walk and for
// the scan benchmark while the library build lacks findTokens. Test support only: the command
// line always uses the library's own (this folder is not part of the package).
// It follows the contract of findTokens for bytes: pk./sk./tk., a base64url payload that decodes
// to a JSON object with a string `u`, a dot and a non-empty signature; offsets in bytes.

const CANDIDATE = /(?<![\w-])(pk|sk|tk)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)/g;

/** The payload of a token candidate as an object with a string `u`, or undefined. */
function payloadOf(text) {
  try {
    const payload = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    return payload && typeof payload === 'object' && typeof payload.u === 'string' ? payload : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every token in `bytes`, as findTokens reports them.
 * @param {Uint8Array} bytes
 * @returns {{ token: string, redacted: string, usage: string, user: string, authorization?: string, index: number, line: number, column: number }[]}
 */
export function findTokensStandIn(bytes) {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('the stand-in takes bytes only');
  // latin1 maps each byte to one character, so string offsets are byte offsets.
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const found = [];
  let line = 1;
  let lineStart = 0;
  let counted = 0;
  for (const match of text.matchAll(CANDIDATE)) {
    const payload = payloadOf(match[2]);
    if (!payload) continue;
    for (let at = text.indexOf('\n', counted); at !== -1 && at < match.index; at = text.indexOf('\n', at + 1)) {
      line++;
      lineStart = at + 1;
    }
    counted = match.index;
    found.push({
      token: match[0],
      redacted: `${match[0].slice(0, 16)}…`,
      usage: match[1],
      user: payload.u,
      ...(match[1] !== 'tk' && typeof payload.a === 'string' ? { authorization: payload.a } : {}),
      index: match.index,
      line,
      column: match.index - lineStart + 1,
    });
  }
  return found;
}
