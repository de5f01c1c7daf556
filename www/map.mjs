// The dashboard's live map (/map): a MapLibre GL JS map of the emulator's generated tiles, kept
// supplied with temporary tokens by the package's TokenRefresher from the dashboard's own token
// broker (/mapbox-token on the dashboard's server). "Expire now" has the dashboard's server move
// the emulator's clock past the token's end: the map's next tiles are refused with 401, the
// refresher reports it to the broker (which then asks the API and renews), and the map goes on with
// the next token, the same map throughout. No WebAssembly is loaded here.
import * as maplibregl from '../node_modules/maplibre-gl/dist/maplibre-gl.mjs';
import { TokenRefresher } from '../pkg/refresher/refresher.mjs';

/** Places the map moves to after "Expire now", in turn, so that it asks for tiles it has not loaded. */
const PLACES = [[100, 40, 3], [-60, -20, 4], [30, 55, 4], [-120, 15, 3], [140, -30, 4], [10, 0, 2]];
/** The broker checks a refused token with the API at most once per 5 s: "Expire now" waits that long. */
const CHECK_INTERVAL = 5_500;

const $ = (id) => document.getElementById(id);
const status = (text) => ($('map-status').textContent = text);
const counts = { tokens: 0, loaded: 0, refused: 0 };
const show = (name, id) => ($(id).textContent = String(counts[name]));

/** What the page knows of the current token: its shown identity, its end, and whether it was expired here. */
const current = { expires: null, ended: false, expiredAt: 0 };

/**
 * A token as the emulator's request log shows it: its prefix and the first 8 hex digits of its
 * SHA-256 (e.g. `tk.…1a2b3c4d`), enough to tell tokens apart, never enough to use one.
 * @param {string} token
 */
async function fingerprint(token) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
  const hex = [...digest.slice(0, 4)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${/^(pk|sk|tk)\./.exec(token)?.[0] ?? ''}…${hex}`;
}

/** Shows the time the token has left, as m:ss, or that it ended. */
function tick() {
  const countdown = $('token-countdown');
  if (!current.expires) return;
  const left = Math.max(0, Math.floor((current.expires - Date.now()) / 1000));
  countdown.textContent = current.ended || left === 0
    ? 'ended'
    : `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
}

/** Enables "Expire now" once the token was renewed and the broker may check a token again. */
function enableExpire() {
  const wait = current.expiredAt + CHECK_INTERVAL - Date.now();
  if (wait > 0) setTimeout(enableExpire, wait);
  else $('expire-now').disabled = current.ended;
}

let place = 0;
/** Moves the map to the next place, so that it asks for tiles (with the ended token, at first). */
function wander(map) {
  const [lng, lat, zoom] = PLACES[place++ % PLACES.length];
  const still = matchMedia('(prefers-reduced-motion: reduce)').matches;
  map.easeTo({ center: [lng, lat], zoom, duration: still ? 0 : 1000 });
}

async function expireNow(map) {
  const button = $('expire-now');
  button.disabled = true;
  status('Moving the emulator’s clock…');
  try {
    const response = await fetch('expire-now', { method: 'POST' });
    if (!response.ok) throw new Error(`the dashboard’s server answered ${response.status}`);
    const { jumped } = await response.json();
    current.ended = true;
    current.expiredAt = Date.now();
    tick();
    status(`The emulator’s clock jumped ${Math.round(jumped / 1000)} s: the token has ended. The map moves on; `
      + 'the tiles it asks for are refused until the refresher has the next token.');
    wander(map);
  } catch (error) {
    status(`Could not move the emulator’s clock: ${error.message}.`);
    button.disabled = false;
  }
}

async function start() {
  const config = await (await fetch('config.json')).json();
  const api = config.origin;
  const refresher = new TokenRefresher({ url: 'mapbox-token', origin: api });
  refresher.addEventListener('token', async ({ detail }) => {
    counts.tokens++;
    show('tokens', 'token-count');
    const renewed = current.ended;
    Object.assign(current, { expires: detail.expires.getTime(), ended: false });
    $('token-id').textContent = await fingerprint(detail.token);
    tick();
    if (renewed) status('A new token: the map keeps loading tiles.');
    enableExpire();
  });
  refresher.addEventListener('error', ({ detail }) => {
    status(`The token broker failed (${detail.error.message}); trying again in ${Math.ceil(detail.retryIn / 1000)} s.`);
  });
  setInterval(tick, 1000);

  await refresher.token();
  const map = new maplibregl.Map({
    container: 'map',
    style: `${api}/styles/v1/mapbox/streets-v12`,
    center: [0, 20],
    zoom: 1,
    transformRequest: refresher.transformRequest,
  });
  refresher.attach(map);
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
  map.on('sourcedata', (event) => {
    if (event.tile && event.dataType === 'source' && event.tile.state === 'loaded') {
      counts.loaded++;
      show('loaded', 'tiles-loaded');
    }
  });
  map.on('error', (event) => {
    if (event.error?.status !== 401) return;
    counts.refused++;
    show('refused', 'tiles-refused');
  });
  map.once('load', () => status('The map is loaded.'));
  $('expire-now').addEventListener('click', () => expireNow(map));
}

start().catch((error) => status(`The map could not start: ${error.message}`));
