// `mapbox-tokens scan --format sarif`: the scan's report as a SARIF 2.1.0 log, for code-scanning
// dashboards. One rule per kind of token (mapbox-pk, mapbox-sk, mapbox-tk) with help that says
// how to rotate it; each result has its location (line and column in UTF-16 code units, as SARIF
// counts by default), its token's fingerprint, and the token redacted: never the token itself.
import { isAbsolute, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

const SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

const ROTATE = (id) => `mapbox-tokens rotate ${id} --delete-old`;

// Help lines are Markdown: commands in backticks, which the plain text leaves out.

/** The three rules: what each kind of token in the code means, and what to do about it. */
export const RULES = [
  {
    id: 'mapbox-sk',
    name: 'MapboxSecretToken',
    level: 'error',
    severity: '9.0',
    short: 'A Mapbox secret token (sk) is in the code',
    full: 'A secret token can act on the account within its scopes (read or change styles, datasets, uploads, even other tokens). Anyone who can read this file, or its history, can use it.',
    help: [
      'Rotate the token, then remove it from the code and keep it in a secret store or an environment variable.',
      `Rotate it with the command line (it makes a new token with the same scopes and note, then deletes the old one): \`${ROTATE('<token id>')}\``,
      'The token id is the id column of `mapbox-tokens scan`. A token that was committed stays in the history: rotating it is the only fix.',
    ],
  },
  {
    id: 'mapbox-pk',
    name: 'MapboxPublicToken',
    level: 'warning',
    severity: '3.0',
    short: 'A Mapbox public token (pk) is in the code',
    full: 'Public tokens are made for code that runs in browsers and apps, but one without URL restrictions can be used by any site, on your bill.',
    help: [
      'If this token belongs here, restrict it to your sites (`mapbox-tokens update <token id> --allowed-url https://example.com`) and allow its line with a `mapbox-tokens:allow` comment.',
      `If it should not be here, rotate it: \`${ROTATE('<token id>')}\``,
    ],
  },
  {
    id: 'mapbox-tk',
    name: 'MapboxTemporaryToken',
    level: 'note',
    severity: '2.0',
    short: 'A Mapbox temporary token (tk) is in the code',
    full: 'Temporary tokens expire within an hour: one in the code has most likely expired, and code that needs one should ask for it at run time.',
    help: [
      'Remove the token from the code and create temporary tokens when they are needed (`mapbox-tokens temp`, or `createTempToken` in the library).',
      `Temporary tokens cannot be rotated; the secret token that created it can: \`${ROTATE('<token id>')}\``,
    ],
  },
];

const RULE_INDEX = new Map(RULES.map((rule, i) => [rule.id, i]));

/** A rule as SARIF's reportingDescriptor. */
const descriptor = (rule) => ({
  id: rule.id,
  name: rule.name,
  shortDescription: { text: `${rule.short}.` },
  fullDescription: { text: rule.full },
  help: { text: rule.help.join('\n').replaceAll('`', ''), markdown: rule.help.join('\n\n') },
  defaultConfiguration: { level: rule.level },
  properties: { tags: ['security', 'secret', 'mapbox'], precision: 'very-high', 'security-severity': rule.severity },
});

/** A path as a SARIF URI: relative ones against the scanned root, `/`-separated and percent-encoded; absolute ones as file: URLs. */
function artifactLocation(file) {
  if (isAbsolute(file)) return { uri: pathToFileURL(file).href };
  const uri = file.split(sep).join('/').split('/').map(encodeURIComponent).join('/');
  return { uri, uriBaseId: '%SRCROOT%' };
}

/** The words of a result's message: which token, whose, and what to do. */
function message(f) {
  const kind = { sk: 'secret', pk: 'public', tk: 'temporary' }[f.usage];
  const whose = `of the account ${f.user}${f.authorization ? `, id ${f.authorization}` : ''}`;
  const verdict = f.verdict ? ` The API says: ${f.verdict}.` : '';
  const action = f.authorization && f.usage !== 'tk' ? ` Rotate it: ${ROTATE(f.authorization)}` : '';
  const where = f.commit ? ` Added in commit ${f.commit.hash.slice(0, 12)} (${f.commit.date}, ${f.commit.author}).` : '';
  return `A Mapbox ${kind} token (${f.usage}) ${whose}: ${f.redacted}.${verdict}${where}${action}`;
}

/**
 * The SARIF log of a scan report.
 * @param {{ findings: object[] }} report the report of `scan --json` (paths and users redacted)
 * @param {{ version: string, columns: number[], lengths: number[] }} extra the tool's version,
 *   and for each finding its column in UTF-16 code units and its token's length
 * @returns {object}
 */
export function sarifLog(report, { version, columns, lengths }) {
  const results = report.findings.map((f, i) => {
    const ruleId = `mapbox-${f.usage}`;
    const startColumn = columns[i];
    return {
      ruleId,
      ruleIndex: RULE_INDEX.get(ruleId),
      level: RULES[RULE_INDEX.get(ruleId)].level,
      message: { text: message(f) },
      locations: [{
        physicalLocation: {
          artifactLocation: artifactLocation(f.file),
          region: { startLine: f.line, startColumn, endLine: f.line, endColumn: startColumn + lengths[i] },
        },
      }],
      fingerprints: { 'mapboxTokenPath/v1': `${f.fingerprint}:${encodeURIComponent(f.file)}` },
      partialFingerprints: { 'mapboxToken/v1': f.fingerprint },
      properties: {
        usage: f.usage,
        user: f.user,
        ...(f.authorization ? { authorization: f.authorization } : {}),
        redacted: f.redacted,
        ...(f.verdict ? { verdict: f.verdict } : {}),
        ...(f.commit ? { commit: f.commit.hash, commitDate: f.commit.date, commitAuthor: f.commit.author } : {}),
      },
    };
  });
  return {
    $schema: SCHEMA,
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'mapbox-tokens', version, rules: RULES.map(descriptor) } },
      columnKind: 'utf16CodeUnits',
      results,
    }],
  };
}
