// Test support: small git repositories made by the tests, in temporary folders, with git run
// alone (no system or global configuration, a fixed identity and dates), and tokens of the right
// shape (never real ones).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir } from './helpers.mjs';

/** The environment of every git command, the tests' and the command line's: no configuration but the repository's. */
export const GIT_ENV = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Committer',
  GIT_COMMITTER_EMAIL: 'committer@example.com',
};

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token of the right shape for `usage` with the id `id`: findTokens reads it, the API never made it. */
export const fakeToken = (usage, id, user = 'demo') => `${usage}.${b64({ u: user, ...(usage === 'tk' ? {} : { a: id }) })}.${b64(id).padEnd(22, 'Q').slice(0, 22)}`;

/**
 * A new repository in a temporary folder: `git(...args)` runs git in it, `write(files)` writes
 * files (path → content), `commit(message, { date, author })` commits everything staged or not,
 * and returns the new commit's hash; `remove()` deletes the folder.
 */
export function makeRepo(prefix = 'mapbox-tokens-git-') {
  const dir = tempDir(prefix);
  const path = dir.path;
  let tick = 0;
  const git = (...args) => execFileSync('git', args, {
    cwd: path, env: { ...process.env, ...GIT_ENV, ...gitDates() }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  /** Each commit a minute after the previous one, from 2026-01-01: dates are known and ordered. */
  function gitDates(at = new Date(Date.UTC(2026, 0, 1) + tick * 60_000).toISOString().replace('.000Z', 'Z')) {
    return { GIT_AUTHOR_DATE: at, GIT_COMMITTER_DATE: at };
  }
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Test Author');
  git('config', 'user.email', 'author@example.com');
  git('config', 'commit.gpgsign', 'false');
  const write = (files) => {
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(dirname(join(path, file)), { recursive: true });
      writeFileSync(join(path, file), content);
    }
  };
  const commit = (message, { author } = {}) => {
    tick++;
    git('add', '-A');
    git('commit', '-q', '--allow-empty', '-m', message, ...(author ? ['--author', author] : []));
    return git('rev-parse', 'HEAD').trim();
  };
  /** The date the last commit was given, as git prints it with %aI. */
  const lastDate = () => git('log', '-1', '--format=%aI').trim();
  return { path, git, write, commit, lastDate, remove: () => dir.remove() };
}
