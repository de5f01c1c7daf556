// Serves the runtime tests' app in Deno with Deno.serve: `deno run … deno.mjs web` on the package's
// web build (initialised with the wasm bytes), `deno.mjs node` on its Node build (CommonJS, through
// node:module's createRequire: the build that `npm:mapbox-tokens` resolves to). Config: the JSON of
// BROKER_TEST_CONFIG (see app.mjs). Prints one line `{"url": …}` once it listens on 127.0.0.1.
import { createRequire } from 'node:module';
import * as web from '../../pkg/web/mapbox_tokens.js';
import { fetchApp } from './app.mjs';

let lib;
if (Deno.args[0] === 'node') {
  lib = createRequire(import.meta.url)('../../pkg/node/mapbox_tokens.cjs');
} else {
  web.initSync({ module: await Deno.readFile(new URL('../../pkg/web/mapbox_tokens_bg.wasm', import.meta.url)) });
  lib = web;
}
const config = JSON.parse(Deno.env.get('BROKER_TEST_CONFIG'));
Deno.serve(
  { hostname: '127.0.0.1', port: 0, onListen: ({ port }) => console.log(JSON.stringify({ url: `http://127.0.0.1:${port}` })) },
  fetchApp(lib, config),
);
