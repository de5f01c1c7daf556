#!/usr/bin/env node
/**
 * mapbox-tokens-emulator: runs the Tokens API emulator until SIGINT or SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startEmulator } from './index.mjs';

const USAGE = `Usage: mapbox-tokens-emulator [options]

  --host HOST        address to listen on (default 127.0.0.1)
  --port PORT        port to listen on, 0 for any free port (default 8787)
  --data-file FILE   keep the state in FILE across restarts (default: in memory)
  --hooks            serve the /__emulator/ test hooks
  --hooks-for-pages  let web pages call the hooks too (for tests that run in a browser page only:
                     any page could then read the admin token)
  --no-rate-limit    turn off the 100 requests per minute per account limit
  --clock-offset MS  run the emulator's clock MS milliseconds ahead (negative: behind) of this
                     machine's: token times, expiry checks, rate-limit windows, the Date header
  --json             print one JSON line {"url","adminToken","username"} instead of text
  --help             show this help`;

function parse(argv) {
  const { values } = parseArgs({
    args: joinNegativeValues(argv),
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8787' },
      'data-file': { type: 'string' },
      hooks: { type: 'boolean', default: false },
      'hooks-for-pages': { type: 'boolean', default: false },
      'no-rate-limit': { type: 'boolean', default: false },
      'clock-offset': { type: 'string', default: '0' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535) throw new Error(`invalid --port ${values.port}`);
  const clockOffset = Number(values['clock-offset']);
  if (!/^[+-]?\d+$/.test(values['clock-offset']) || !Number.isSafeInteger(clockOffset)) {
    throw new Error(`invalid --clock-offset ${values['clock-offset']} (an integer number of milliseconds)`);
  }
  return { ...values, port, clockOffset };
}

// parseArgs refuses `--clock-offset -20000` (a value that starts with a dash could be a
// forgotten argument); a negative offset is the usual case, so a number there is taken as its value.
function joinNegativeValues(argv) {
  const out = [];
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--clock-offset' && /^-\d+$/.test(argv[i + 1] ?? '')) {
      out.push(`--clock-offset=${argv[i + 1]}`);
      i += 1;
    } else {
      out.push(argv[i]);
    }
  }
  return out;
}

async function main() {
  let args;
  try {
    args = parse(process.argv.slice(2));
  } catch (err) {
    console.error(`${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const emulator = await startEmulator({
    host: args.host,
    port: args.port,
    dataFile: args['data-file'],
    hooks: args.hooks,
    hooksForPages: args['hooks-for-pages'],
    rateLimit: args['no-rate-limit'] ? false : undefined,
    clockOffset: args.clockOffset,
  });
  // Installed before printing, so that a script that reads the URL and at once stops us exits 0.
  const stop = async () => {
    await emulator.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const { url, adminToken, username } = emulator;
  if (args.json) {
    console.log(JSON.stringify({ url, adminToken, username }));
  } else {
    console.log(`Mapbox Tokens API emulator listening on ${url}`);
    console.log(`Admin token (account "${username}", every scope):\n${adminToken}`);
    if (args.hooks) console.log(`Test hooks: ${url}/__emulator/`);
  }
}

main().catch((err) => {
  console.error(`mapbox-tokens-emulator: ${err.message}`);
  process.exit(1);
});
