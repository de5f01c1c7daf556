// A/B of two builds of the package in one process: `node bench/ab.mjs <pkg dir A> <pkg dir B>`
// (each a folder laid out like pkg/, for example a copy of pkg/ built from an earlier commit).
// Both run against the fixed-answer server, call by call in turn, so that this machine's drifting
// speed weighs on both alike; per operation it prints each build's median time per call and the
// ratio B/A. Each client is made with default options, as a user makes it.
import { createRequire } from 'node:module';
import { resolve, join } from 'node:path';
import { perCall, startFixedServer } from './measure.mjs';

const require = createRequire(import.meta.url);
const [a, b] = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
if (!a || !b) {
  console.error('usage: node bench/ab.mjs <pkg dir A> <pkg dir B> [--quick]');
  process.exit(2);
}

/** The four operations of the benchmark with the build in `dir`. */
function build(dir) {
  const { Tokens } = require(join(resolve(dir), 'node', 'mapbox_tokens.cjs'));
  return (url, token) => {
    const tokens = new Tokens({ accessToken: token, origin: url });
    return {
      checkValidity: () => tokens.checkValidity(),
      listTokens: () => tokens.listTokens(),
      create: () => tokens.create({ scopes: ['styles:read'], note: 'bench' }),
      async listAll() {
        let n = 0;
        for await (const t of tokens.listAllTokens({ limit: 100 })) if (t) n += 1;
        return n;
      },
    };
  };
}

// perCall pairs every contender with `raw`: build A stands in that place.
const server = await startFixedServer();
try {
  const results = await perCall({ raw: build(a), b: build(b) }, server);
  console.log(`A: ${a}\nB: ${b}\nper-call median (µs)        A        B      B/A`);
  for (const [op, r] of Object.entries(results)) {
    console.log(`  ${op.padEnd(14)} ${(r.raw * 1000).toFixed(0).padStart(8)} ${(r.b * 1000).toFixed(0).padStart(8)} ${(r.b / r.raw).toFixed(3).padStart(8)}`);
  }
} finally {
  server.stop();
}
