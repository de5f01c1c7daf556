// Each line that starts with `refresher.` or `new TokenRefresher(` must be a type error
// (refresher/test/package.test.mjs).
import { TokenRefresher } from 'mapbox-tokens/refresher';

const refresher = new TokenRefresher({ url: '/t' });
new TokenRefresher({});
new TokenRefresher({ url: '/t', minValidity: '60' });
refresher.current = 'tk.x';
refresher.addEventListener('token', (event) => event.detail.nope);
refresher.transformRequest(42);
refresher.attach({});
refresher.token().then((token: number) => token);
