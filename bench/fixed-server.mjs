#!/usr/bin/env node
// The benchmark's fast server: the Tokens API routes the benchmark calls, each answered with a
// body and headers computed once at start. The emulator spends about 1 ms on each request (token
// checks, sorting, serialising), which is added to every contender alike and so dilutes every
// ratio; against this server, what remains is the network stack, fetch and each client's own work.
//
// Run in its own process (bench/run.mjs spawns it, as it does the emulator), so that it does not
// share an event loop with the clients. Prints one JSON line {"url","adminToken","username"}.
//
//   GET  /tokens/v2?access_token=…           the validity answer {code: 'TokenValid', token: {…}}
//   GET  /tokens/v2/demo?…                    page 1 of 20, 100 tokens each; ?start=<n> gives page n;
//                                             pages 1–19 carry Link: <…?start=n+1&limit=100>; rel="next"
//   POST /tokens/v2/demo?…                    a created token (the request body is read, not checked)
//
// Nothing is checked (no token, no scope, no body): every request gets its fixed answer.
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { encodeToken, newId, newSecret } from '../emulator/lib/tokens.mjs';

const USERNAME = 'demo';
const PAGES = 20;
const PER_PAGE = 100;
/**
 * The rate-limit figures sent: the real API's headers, with a limit no benchmark run comes near,
 * so that a client that paces itself by these headers is never held (the benchmark measures the
 * cost of a call, not waiting for a window).
 */
const RATE_LIMIT = { limit: 1_000_000, interval: 60 };
const SCOPES = ['styles:read', 'styles:tiles', 'fonts:read', 'datasets:read', 'vision:read'];

/**
 * Computes every answer of the server for `origin` (used in Link URLs).
 * @param {string} origin e.g. `http://127.0.0.1:41000`
 * @returns {{ adminToken: string, validity: Buffer, pages: { body: Buffer, link: string | null }[], created: Buffer }}
 */
export function fixedAnswers(origin) {
  const secret = newSecret();
  const t0 = Date.UTC(2030, 0, 1);
  const adminId = newId(t0);
  const adminToken = encodeToken(secret, 'sk', { u: USERNAME, a: adminId });
  const tokenObject = (i) => {
    const id = newId(t0 + i * 1000);
    const created = new Date(t0 + i * 1000).toISOString();
    const modified = new Date(t0 + i * 1000 + 500).toISOString();
    // Mostly public tokens (whose string the API returns), some secret ones, as an account has.
    const usage = i % 4 === 3 ? 'sk' : 'pk';
    const object = {
      id,
      usage,
      client: 'api',
      default: i === 0,
      scopes: usage === 'pk' ? SCOPES.slice(0, 1 + (i % SCOPES.length)) : ['styles:read', 'styles:write', 'tokens:read'],
      note: i === 0 ? 'Default public token' : `Token ${i + 1} for a benchmark`,
      created,
      modified,
    };
    if (i % 10 === 5) object.allowedUrls = ['https://example.com', 'https://maps.example.com'];
    if (usage === 'pk') object.token = encodeToken(secret, 'pk', { u: USERNAME, a: id });
    return object;
  };
  const pages = Array.from({ length: PAGES }, (_, page) => ({
    body: Buffer.from(JSON.stringify(Array.from({ length: PER_PAGE }, (_, i) => tokenObject(page * PER_PAGE + i)))),
    link: page + 1 < PAGES ? `<${origin}/tokens/v2/${USERNAME}?start=${page + 2}&limit=${PER_PAGE}>; rel="next"` : null,
  }));
  const validity = Buffer.from(JSON.stringify({ code: 'TokenValid', token: { usage: 'sk', user: USERNAME, authorization: adminId } }));
  const createdId = newId(t0 + PAGES * PER_PAGE * 1000);
  const created = Buffer.from(JSON.stringify({
    id: createdId,
    usage: 'pk',
    client: 'api',
    default: false,
    scopes: ['styles:read'],
    note: 'bench',
    created: new Date(t0).toISOString(),
    modified: new Date(t0).toISOString(),
    token: encodeToken(secret, 'pk', { u: USERNAME, a: createdId }),
  }));
  return { adminToken, validity, pages, created };
}

/**
 * Starts the server on 127.0.0.1.
 * @param {{ port?: number }} [options] port 0 (the default) picks a free one
 * @returns {Promise<{ url: string, adminToken: string, username: string, close: () => Promise<void> }>}
 */
export async function startFixedServer({ port = 0 } = {}) {
  let answers;
  // The headers that change with the time (Date, X-Rate-Limit-Reset), computed at most once a
  // second, as Node does for its own Date header; the rest of each answer's headers are fixed.
  let second = -1;
  let timed;
  const timedHeaders = () => {
    const now = Math.floor(Date.now() / 1000);
    if (now !== second) {
      second = now;
      timed = { date: new Date(now * 1000).toUTCString(), 'x-rate-limit-reset': String(now + RATE_LIMIT.interval) };
    }
    return timed;
  };
  const fixed = {
    'content-type': 'application/json; charset=utf-8',
    'x-rate-limit-interval': String(RATE_LIMIT.interval),
    'x-rate-limit-limit': String(RATE_LIMIT.limit),
    'access-control-allow-origin': '*',
    'access-control-expose-headers': 'Date, Link, X-Rate-Limit-Interval, X-Rate-Limit-Limit, X-Rate-Limit-Reset, Retry-After',
  };
  const answer = (res, body, link) => {
    const headers = { ...fixed, ...timedHeaders(), 'content-length': body.length };
    if (link) headers.link = link;
    res.writeHead(200, headers).end(body);
  };

  const server = createServer((req, res) => {
    const queryAt = req.url.indexOf('?');
    const path = queryAt === -1 ? req.url : req.url.slice(0, queryAt);
    if (req.method === 'GET' && path === '/tokens/v2') {
      answer(res, answers.validity);
    } else if (req.method === 'GET' && path === `/tokens/v2/${USERNAME}`) {
      const start = /[?&]start=(\d+)/.exec(req.url);
      const page = answers.pages[start ? Number(start[1]) - 1 : 0];
      if (page) answer(res, page.body, page.link);
      else res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
    } else if (req.method === 'POST' && path === `/tokens/v2/${USERNAME}`) {
      // Answered once the body is read, as a real server does: answering earlier would leave the
      // client still sending on a connection it then reuses.
      req.resume();
      req.on('end', () => answer(res, answers.created));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${server.address().port}`;
  answers = fixedAnswers(url);
  return {
    url,
    adminToken: answers.adminToken,
    username: USERNAME,
    close() {
      const closed = new Promise((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      return closed;
    },
  };
}

// As a command: start, print the line bench/run.mjs reads, run until killed.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
  const server = await startFixedServer({ port: Number(values.port) });
  const stop = () => server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  console.log(JSON.stringify({ url: server.url, adminToken: server.adminToken, username: server.username }));
}
