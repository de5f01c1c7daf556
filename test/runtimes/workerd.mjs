// The runtime tests' app as a Cloudflare Worker (workerd): the package's web build, its wasm
// imported as a compiled module (workerd compiles no wasm from bytes at run time). The test lays
// this file, app.mjs, the web build and a config.capnp out in one folder; the config is the
// text binding CONFIG (see app.mjs).
import * as lib from './mapbox_tokens.js';
import wasm from './mapbox_tokens_bg.wasm';
import { fetchApp } from './app.mjs';

lib.initSync({ module: wasm });
let app;

export default {
  fetch(request, env) {
    app ??= fetchApp(lib, JSON.parse(env.CONFIG));
    return app(request);
  },
};
