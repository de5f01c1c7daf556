// Serves the runtime tests' app in Deno with Deno.serve, on the package's web build (initialised
// with the wasm bytes). Config: the JSON of BROKER_TEST_CONFIG (see app.mjs). Prints one line
// `{"url": …}` once it listens on 127.0.0.1.
import * as lib from '../../pkg/web/mapbox_tokens.js';
import { fetchApp } from './app.mjs';

lib.initSync({ module: await Deno.readFile(new URL('../../pkg/web/mapbox_tokens_bg.wasm', import.meta.url)) });
const config = JSON.parse(Deno.env.get('BROKER_TEST_CONFIG'));
Deno.serve(
  { hostname: '127.0.0.1', port: 0, onListen: ({ port }) => console.log(JSON.stringify({ url: `http://127.0.0.1:${port}` })) },
  fetchApp(lib, config),
);
