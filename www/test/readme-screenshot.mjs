// Makes www/screenshot.png, the README's picture of the dashboard: connected (the Connect panel one
// line), an account with a few tokens of each kind (some of them risky), one token's details open,
// and the security review below.
// Run by hand after a visible change: `node www/test/readme-screenshot.mjs` (not a test: `make
// test` never rewrites the committed image).
import { join } from 'node:path';
import { ROOT, api, connectedPage, hook, openDashboard, rowOf, waitForText } from './helpers.mjs';

const DAY = 24 * 60 * 60 * 1000;
const run = await openDashboard({ viewport: { width: 1280, height: 1000 } });
try {
  const { dashboard, page } = run;
  const account = `/tokens/v2/${dashboard.username}`;
  await hook(dashboard, 'PUT', 'clock', { offset: -500 * DAY });
  await hook(dashboard, 'POST', 'tokens', { scopes: ['styles:read', 'styles:tiles'], note: 'Legacy store map (2025)' });
  await hook(dashboard, 'PUT', 'clock', { offset: 0 });
  await api(dashboard, 'POST', account, { scopes: ['styles:read', 'styles:tiles', 'fonts:read'], note: 'Website (production)', allowedUrls: ['https://www.example.com', 'https://example.com'] });
  await api(dashboard, 'POST', account, { scopes: ['styles:read', 'fonts:read'], note: 'Mobile app (iOS)' });
  await api(dashboard, 'POST', account, { scopes: ['styles:read', 'styles:list', 'datasets:read'], note: 'Tile server' });
  await api(dashboard, 'POST', account, { scopes: ['tokens:read', 'tokens:write'], note: 'CI deploy' });
  await api(dashboard, 'POST', account, { scopes: ['datasets:read', 'datasets:list'], note: '' });
  await api(dashboard, 'POST', account, { scopes: ['styles:read'], note: 'Staging preview', allowedUrls: ['https://staging.example.com'] });

  await connectedPage(page, dashboard);
  await rowOf(page, 'Website (production)').click();
  await waitForText(page.locator('#details-heading'), 'Details of “Website (production)”');
  await rowOf(page, 'Tile server').getByRole('checkbox').check();
  await rowOf(page, 'Legacy store map (2025)').getByRole('checkbox').check();
  await waitForText(page.locator('#review-summary'), 'findings');
  await page.mouse.move(0, 0);
  // From the top (the Connect panel folded into one line) to the end of the security review.
  const top = 0;
  const bottom = await page.locator('#review').evaluate((el) => el.getBoundingClientRect().bottom + scrollY + 8);
  await page.screenshot({ path: join(ROOT, 'www', 'screenshot.png'), fullPage: true, clip: { x: 0, y: top, width: 1280, height: bottom - top } });
  console.log('wrote www/screenshot.png');
} finally {
  await run.close();
}
