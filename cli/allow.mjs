// What `mapbox-tokens scan` lets pass: paths listed in a `.mapbox-tokens-ignore` file (gitignore
// syntax, read by the npm package `ignore`), lines that carry the marker `mapbox-tokens:allow`,
// and the findings of a baseline (an earlier `--json` report), matched by the token's
// fingerprint and the path. A fingerprint is a hash of the token: never the token.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { clean } from './output.mjs';

/** The name of the ignore file, read at the scanned root (for --git and --staged: the repository's top level). */
export const IGNORE_FILE = '.mapbox-tokens-ignore';

/** A line holding this text is allowed to hold a token: `const demo = 'pk.…'; // mapbox-tokens:allow`. */
export const ALLOW_MARKER = 'mapbox-tokens:allow';

/** Bad arguments or files given by the user: the command turns it into a usage error (exit 2). */
export class AllowError extends Error {}

/**
 * A token's fingerprint: the first 32 hex digits of its SHA-256. It tells findings of the same
 * token apart from others (for baselines and SARIF) and cannot be turned back into the token.
 * @param {string} token
 * @returns {string}
 */
export const fingerprint = (token) => createHash('sha256').update(token).digest('hex').slice(0, 32);

/**
 * A matcher for the patterns of an ignore file's text: `(path, isFolder) => boolean`, `path`
 * relative to the file's folder with `/` separators. The npm package `ignore` does the matching;
 * it is loaded only when an ignore file exists (the mapbox-tokens package has no dependencies:
 * install `ignore` beside it to use ignore files).
 * @param {string} text
 * @returns {Promise<(path: string, isFolder?: boolean) => boolean>}
 */
export async function ignoreMatcher(text) {
  let ignore;
  try {
    ({ default: ignore } = await import('ignore'));
  } catch {
    throw new AllowError(`reading ${IGNORE_FILE} needs the npm package 'ignore': install it beside mapbox-tokens (npm install ignore).`);
  }
  const matcher = ignore().add(text);
  return (path, isFolder = false) => matcher.ignores(isFolder ? `${path}/` : path);
}

/**
 * The matcher of `folder`'s ignore file, or undefined when it has none.
 * @param {string} folder
 */
export async function folderIgnore(folder) {
  let text;
  try {
    text = readFileSync(`${folder}/${IGNORE_FILE}`, 'utf8');
  } catch (e) {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
    throw new AllowError(`cannot read ${clean(`${folder}/${IGNORE_FILE}`)} (${e.code ?? e.message}).`);
  }
  return ignoreMatcher(text);
}

/**
 * The findings of a baseline file (a report written by `scan --json`), as a set of
 * `fingerprint path` keys; an AllowError when it cannot be read or is no such report.
 * @param {string} path
 * @returns {Set<string>}
 */
export function readBaseline(path) {
  let report;
  try {
    report = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new AllowError(`cannot read the baseline ${clean(path)} (${e.code ?? 'not JSON'}): give a report written by 'mapbox-tokens scan --json'.`);
  }
  const findings = report?.findings;
  if (!Array.isArray(findings) || !findings.every((f) => typeof f?.fingerprint === 'string' && typeof f?.file === 'string')) {
    throw new AllowError(`the baseline ${clean(path)} is not a report of 'mapbox-tokens scan --json' with fingerprints: write it again with this version.`);
  }
  return new Set(findings.map((f) => baselineKey(f.fingerprint, f.file)));
}

/** The key of a finding in a baseline: its token's fingerprint and its path. */
export const baselineKey = (print, file) => `${print} ${file}`;
