// Makes www/map-screenshot.png, the README's picture of the live map page (/map): the map of the
// emulator's tiles after one "Expire now", with the new token's fingerprint, its countdown and the
// tile counts (some tiles refused with the ended token, loaded again with the new one).
// Run by hand after a visible change: `node www/test/map-screenshot.mjs` (not a test: `make test`
// never rewrites the committed image).
import { join } from 'node:path';
import { ROOT, openDashboard, waitForText } from './helpers.mjs';

const run = await openDashboard({ viewport: { width: 1280, height: 760 } });
try {
  const { dashboard, page, context } = run;
  // Nothing leaves this machine.
  await context.route(/^(?!http:\/\/127\.0\.0\.1[:/])/, (route) => route.abort());
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.goto(new URL('map', dashboard.url).href);
  await waitForText(page.locator('#map-status'), 'The map is loaded.', { timeout: 30_000 });
  await page.locator('#expire-now:enabled').waitFor({ timeout: 10_000 });
  await page.getByRole('button', { name: 'Expire now' }).click();
  await waitForText(page.locator('#map-status'), 'A new token', { timeout: 30_000 });
  // Until the tile count stays the same for a second: the map shows every tile of its view.
  let count = -1;
  for (let now; (now = await page.locator('#tiles-loaded').textContent()) !== String(count);) {
    count = Number(now);
    await page.waitForTimeout(1000);
  }
  await page.locator('#expire-now:enabled').waitFor({ timeout: 10_000 });
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(ROOT, 'www', 'map-screenshot.png') });
  console.log('wrote www/map-screenshot.png');
} finally {
  await run.close();
}
