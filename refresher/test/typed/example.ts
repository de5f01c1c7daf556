// A typed tour of mapbox-tokens/refresher with the real map libraries' types: `tsc --noEmit` must
// accept it (refresher/test/package.test.mjs).
import { TokenRefresher, type TokenEventDetail, type RefreshErrorDetail } from 'mapbox-tokens/refresher';
import * as maplibregl from 'maplibre-gl';
import mapboxgl from 'mapbox-gl';

export async function tour(): Promise<void> {
  const refresher = new TokenRefresher({ url: '/mapbox-token', origin: 'https://api.mapbox.com', minValidity: 120 });
  const token: string = await refresher.token();
  const current: string | null = refresher.current;
  refresher.addEventListener('token', (event) => {
    const detail: TokenEventDetail = event.detail;
    const ends: number = detail.expires.getTime();
    void ends;
  });
  refresher.addEventListener('error', (event) => {
    const detail: RefreshErrorDetail = event.detail;
    const status: number | undefined = detail.error.status;
    const wait: number = detail.retryIn;
    void status, wait;
  });
  const { url }: { url: string } = refresher.transformRequest('https://api.mapbox.com/v4/x/1/0/0.png', 'Tile');

  // The adapter is the maps' own option, as is.
  const libre = new maplibregl.Map({ container: 'map', style: '/style.json', transformRequest: refresher.transformRequest });
  const detachLibre: () => void = refresher.attach(libre);
  mapboxgl.accessToken = token;
  const box = new mapboxgl.Map({ container: 'map', style: 'mapbox://styles/mapbox/streets-v12', transformRequest: refresher.transformRequest });
  const detachBox = refresher.attach(box, { mapboxgl });
  libre.setTransformRequest(refresher.transformRequest);
  // A 401 seen by the app's own request: the broker is told to check its token.
  const after: string | null = await refresher.refused();

  new TokenRefresher({ url: new URL('https://app.example/token'), locks: null, fetch: (input, init) => fetch(input, init) });
  detachLibre();
  detachBox();
  refresher.close();
  void current, url, after;
}
