// The dashboard with 1,000 tokens: "Load all" with its progress bar, search and sort over every
// loaded token, timed inside the page and printed. (How soon the first rows are painted:
// first-screen.test.mjs.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WAIT, assertCleanConsole, audit, connectedPage, hook, median, openDashboard, rowCount, rows, screenshot, shownNotes, waitForText } from './helpers.mjs';

const TOTAL = 1000;
let run, dashboard, page;

before(async () => {
  run = await openDashboard();
  ({ dashboard, page } = run);
  // The account's default and admin tokens, 8 tokens of a mobile app, and the rest seeded.
  await hook(dashboard, 'POST', 'seed', { count: 8, note: 'Mobile app', scopes: ['styles:read', 'fonts:read'] });
  await hook(dashboard, 'POST', 'seed', { count: TOTAL - 10 });
});
after(() => run?.close());

const ms = (value) => `${value.toFixed(1)} ms`;

test('"Load all" loads every page with a progress bar, 1,000 tokens in the table', async () => {
  await connectedPage(page, dashboard);
  await waitForText(page.locator('#table-count'), '25 tokens loaded. More tokens can be loaded.');
  // Each page answers 150 ms late, so that the progress is seen.
  await hook(dashboard, 'POST', 'faults', { method: 'GET', path: '/tokens/v2/', count: 10, fault: { type: 'delay', ms: 150 } });
  const started = Date.now();
  await page.getByRole('button', { name: 'Load all', exact: true }).click();
  const progress = page.locator('#load-progress');
  await progress.waitFor({ state: 'visible', ...WAIT });
  assert.equal(await progress.locator('progress').count(), 1);
  assert.ok(await page.getByRole('button', { name: 'Stop loading' }).isVisible());
  assert.ok(await page.getByRole('button', { name: 'Load more' }).isHidden());
  const seen = new Set();
  while (await progress.isVisible()) {
    seen.add(await page.locator('#load-text').textContent());
    await page.waitForTimeout(50);
  }
  await waitForText(page.locator('#table-count'), '1,000 tokens: that is all of them.');
  console.log(`# Load all: ${TOTAL} tokens in ${Date.now() - started} ms (pages delayed 150 ms each); progress texts seen: ${seen.size}`);
  assert.ok([...seen].some((t) => /^Loading every token: [\d,]+ tokens loaded so far\.$/.test(t)), [...seen].join(' | '));
  assert.ok(seen.size >= 3, 'the count moved while loading');
  assert.equal(await rowCount(page), TOTAL);
  assert.ok(await rows(page).count() < 100, 'only the rows in and near the view are in the document');
  await waitForText(page.locator('#list-status'), 'Loaded every token: 1,000 tokens.');
  await waitForText(page.locator('#review-summary'), 'tokens of the account');
  await screenshot(page, '20-loaded-1000');
  await audit(page, '1,000 tokens loaded');
});

test('search over 1,000 loaded tokens: every keystroke timed inside the page', async () => {
  // Each keystroke as the browser delivers it: the value changes, then an input event; the time
  // runs until the table's new layout is computed (the layout read forces it).
  const timings = await page.evaluate((query) => {
    const input = document.getElementById('search');
    const table = document.getElementById('token-table');
    const times = [];
    const type = (value) => {
      const start = performance.now();
      input.value = value;
      input.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText' }));
      void table.getBoundingClientRect().height;
      void document.body.offsetHeight;
      times.push(performance.now() - start);
    };
    for (let i = 1; i <= query.length; i++) type(query.slice(0, i));
    const narrowed = times.slice();
    times.length = 0;
    for (let i = query.length - 1; i >= 0; i--) type(query.slice(0, i)); // back to every row
    return { narrowed, widened: times.slice() };
  }, 'mobile app');
  const all = [...timings.narrowed, ...timings.widened];
  console.log(`# search, 1,000 tokens: typing "mobile app" ${timings.narrowed.map((t) => t.toFixed(1)).join(', ')} ms; ` +
    `deleting it ${timings.widened.map((t) => t.toFixed(1)).join(', ')} ms; median ${ms(median(all))}, max ${ms(Math.max(...all))} (goal: under 50 ms)`);
  assert.equal(await rowCount(page), TOTAL);

  await page.getByLabel('Search', { exact: true }).fill('mobile app');
  await waitForText(page.locator('#table-count'), '8 of 1,000 loaded tokens match “mobile app”.');
  assert.deepEqual(await shownNotes(page), Array(8).fill('Mobile app'));
  await page.getByLabel('Search', { exact: true }).fill('fonts:read');
  await waitForText(page.locator('#table-count'), '10 of 1,000 loaded tokens match “fonts:read”.'); // the default, the admin and the app's
  await screenshot(page, '21-search');
  await audit(page, 'search');
  await page.getByLabel('Search', { exact: true }).fill('');
  assert.equal(await rowCount(page), TOTAL);
});

test('sorting 1,000 tokens by note and back, timed inside the page', async () => {
  const sortBy = (name) => page.evaluate((label) => {
    const button = [...document.querySelectorAll('#token-table thead button')].find((b) => b.textContent === label);
    const start = performance.now();
    button.click();
    void document.getElementById('token-table').getBoundingClientRect().height;
    return performance.now() - start;
  }, name);
  const byNote = await sortBy('Note');
  const notes = await shownNotes(page);
  assert.deepEqual(notes.slice(0, 3), ['Default public token', 'Emulator admin token', 'Mobile app']);
  // The last row, scrolled to: the table is not all in the document.
  await page.locator('#table-scroll').evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await page.waitForFunction((note) => [...document.querySelectorAll('#token-table .note-text')].at(-1)?.textContent === note, `Seeded token ${TOTAL - 10}`, WAIT);
  await page.locator('#table-scroll').evaluate((el) => { el.scrollTop = 0; });
  const back = await sortBy('Note');
  await page.waitForFunction((note) => document.querySelector('#token-table .note-text')?.textContent === note, `Seeded token ${TOTAL - 10}`, WAIT);
  const byCreated = await sortBy('Created');
  console.log(`# sort, 1,000 tokens: by note ${ms(byNote)}, reversed ${ms(back)}, by created ${ms(byCreated)}`);
  assert.equal(await page.getByRole('columnheader', { name: /^Created/ }).getAttribute('aria-sort'), 'ascending');
});

test('arrow keys move through a long table and keep the row in view', async () => {
  await rows(page).first().focus();
  for (let i = 0; i < 30; i++) await page.keyboard.press('ArrowDown');
  const { index, inView } = await page.evaluate(() => {
    const row = document.activeElement;
    const box = row.getBoundingClientRect();
    const scroller = document.getElementById('table-scroll').getBoundingClientRect();
    return { index: Number(row.getAttribute('aria-rowindex')) - 2, inView: box.top >= scroller.top && box.bottom <= scroller.bottom + 1 };
  });
  assert.equal(index, 30);
  assert.ok(inView, 'the focused row is scrolled into view');
  await page.keyboard.press('End');
  assert.equal(await page.evaluate(() => Number(document.activeElement.getAttribute('aria-rowindex')) - 2), TOTAL - 1);
  const last = await page.evaluate(() => {
    const box = document.activeElement.getBoundingClientRect();
    const scroller = document.getElementById('table-scroll').getBoundingClientRect();
    return box.bottom <= scroller.bottom + 1 && box.top >= scroller.top;
  });
  assert.ok(last, 'the last row is scrolled into view');
  await page.keyboard.press('PageUp');
  assert.equal(await page.evaluate(() => Number(document.activeElement.getAttribute('aria-rowindex')) - 2), TOTAL - 11);
  await page.keyboard.press('Enter');
  await waitForText(page.locator("#details-heading"), `Details of “Seeded token ${TOTAL - 20}”`);
});

test('nothing reached the console', () => {
  assertCleanConsole(run, dashboard.adminToken);
});
