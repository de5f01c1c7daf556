// Serves the runtime tests' app in Bun with Bun.serve, on the package's Node build (CommonJS).
// Config: the JSON of BROKER_TEST_CONFIG (see app.mjs). Prints one line `{"url": …}` once it
// listens on 127.0.0.1.
import { createRequire } from 'node:module';
import { fetchApp } from './app.mjs';

const lib = createRequire(import.meta.url)('../../pkg/node/mapbox_tokens.cjs');
const config = JSON.parse(process.env.BROKER_TEST_CONFIG);
const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: fetchApp(lib, config) });
console.log(JSON.stringify({ url: `http://127.0.0.1:${server.port}` }));
