// The dashboard's first table paint, as `make start` serves it: navigation start to the first
// token row in the document (and to its paint), over 9 cold loads, each in a fresh browser context,
// on an account of 50 tokens. The same measurement as www/test/first-screen.test.mjs, whose helpers
// it uses. Run alone with `node bench/first-paint.mjs`.
import { pathToFileURL } from 'node:url';
import { launchChromium, tempDir } from '../test/support.mjs';
import { coldLoad, median, startSeededMakeStart } from '../www/test/helpers.mjs';

const LOADS = 9;

/** `{ loads, inDom, paint }`: medians in milliseconds. */
export async function firstPaint() {
  const dir = tempDir('bench-first-paint-');
  const server = await startSeededMakeStart(dir.path, 48);
  // Chromium preloads its own omnibox popup for every new window, about 100 ms of script on the
  // same two cores: turned off, so that the figure is the page's.
  const browser = await launchChromium({ args: ['--disable-features=PreloadTopChromeWebUI'] });
  try {
    await coldLoad(browser, server.url); // warm-up: the server's and the OS's caches
    const loads = [];
    for (let i = 0; i < LOADS; i += 1) loads.push(await coldLoad(browser, server.url));
    return { loads: LOADS, inDom: median(loads.map((l) => l.inDom)), paint: median(loads.map((l) => l.paint)) };
  } finally {
    await browser.close();
    await server.close();
    dir.remove();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await firstPaint();
  console.log(`first table paint, median of ${r.loads} cold loads: ${r.inDom.toFixed(0)} ms in the document, ${r.paint.toFixed(0)} ms painted`);
}
