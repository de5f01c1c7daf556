// Preloaded into a child process by tests (NODE_OPTIONS=--import=<this file>): on exit, writes the
// process's peak resident memory, in KB, to the file named by MAPBOX_TOKENS_TEST_RSS. Test support only.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  if (process.env.MAPBOX_TOKENS_TEST_RSS) writeFileSync(process.env.MAPBOX_TOKENS_TEST_RSS, String(process.resourceUsage().maxRSS));
});
