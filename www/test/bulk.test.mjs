// Deleting many tokens at once under a lowered rate limit: select with the checkboxes, confirm a
// list of the notes, watch the progress bar move while the client paces the deletes (and says how
// long the rate limit holds them), then read a summary that names any failure and its reason.
// Needs the package's pacing (`rateLimit` option and getter; see the contract of the next build).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WAIT, api, apiTokens, assertCleanConsole, audit, connectedPage, hook, openDashboard, rows, screenshot, waitForText } from './helpers.mjs';

const COUNT = 30;
let run, dashboard, page;

before(async () => {
  run = await openDashboard();
  ({ dashboard, page } = run);
  await hook(dashboard, 'POST', 'seed', { count: COUNT, note: 'Old build token' });
  await api(dashboard, 'POST', `/tokens/v2/${dashboard.username}`, { scopes: ['styles:read'], note: 'Keep me' });
  await connectedPage(page, dashboard);
  await page.getByLabel('Per page').selectOption('100');
  await waitForText(page.locator('#table-count'), `${COUNT + 3} tokens: that is all of them.`);
});
after(async () => {
  await run?.close();
});

const dialog = () => page.locator('#bulk-dialog');

test('a checkbox per row and one for every row shown; the selection survives a search', async () => {
  const search = page.getByLabel('Search', { exact: true });
  await search.fill('old build');
  await waitForText(page.locator('#table-count'), `${COUNT} of ${COUNT + 3} loaded tokens match “old build”.`);
  await page.getByLabel('Select all shown').check();
  await waitForText(page.locator('#selection-count'), `${COUNT} tokens selected.`);
  assert.ok(await rows(page).first().getByRole('checkbox').isChecked());
  await search.fill('');
  await waitForText(page.locator('#selection-count'), `${COUNT} tokens selected.`);
  assert.equal(await page.getByLabel('Select all shown').evaluate((box) => box.indeterminate), true);
  const keep = rows(page).filter({ hasText: 'Keep me' });
  assert.equal(await keep.getByRole('checkbox').isChecked(), false);
  assert.equal(await keep.getByRole('checkbox').getAttribute('aria-label'), 'Select “Keep me”');
  assert.ok(await page.getByRole('button', { name: 'Delete selected' }).isEnabled());
  await screenshot(page, '40-bulk-selected');
});

test('"Delete selected" asks first, listing the notes of the tokens it will delete', async () => {
  await page.getByRole('button', { name: 'Delete selected' }).click();
  await dialog().waitFor(WAIT);
  assert.equal(await dialog().getByRole('heading', { level: 2 }).innerText(), `Delete ${COUNT} tokens?`);
  const items = dialog().locator('#bulk-notes li');
  assert.equal(await items.count(), COUNT);
  assert.match(await items.first().innerText(), /^“Old build token” \(c[a-z0-9]{24}\)$/);
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Cancel', 'the safe answer has the focus');
  await screenshot(page, '41-bulk-confirm');
  await audit(page, 'bulk delete confirmation');
  await dialog().getByRole('button', { name: 'Cancel' }).click();
  assert.ok(await dialog().isHidden());
  assert.equal((await apiTokens(dashboard)).length, COUNT + 3, 'nothing deleted');
});

test(`deletes ${COUNT} tokens paced by the client under a lowered rate limit: the progress bar moves and the wait is shown`, async () => {
  // 10 requests per 2 s: the deletes take several windows. A list lets the client learn the limit.
  await hook(dashboard, 'PUT', 'rate-limit', { limit: 10, interval: 2 });
  try {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await waitForText(page.locator('#table-count'), `${COUNT + 3} tokens: that is all of them.`);
    await waitForText(page.locator('#selection-count'), `${COUNT} tokens selected.`);
    await page.getByRole('button', { name: 'Delete selected' }).click();
    await dialog().getByRole('button', { name: `Delete ${COUNT} tokens` }).click();

    const bar = dialog().locator('progress');
    await bar.waitFor({ state: 'visible', ...WAIT });
    assert.equal(await bar.getAttribute('max'), String(COUNT));
    const values = [];
    const waits = new Set();
    const texts = new Set();
    let shot = false;
    const started = Date.now();
    while (await dialog().locator('#bulk-run').isVisible() && Date.now() - started < 60_000) {
      values.push(Number(await bar.evaluate((el) => el.value)));
      texts.add(await dialog().locator('#bulk-progress-text').textContent());
      const wait = await dialog().locator('#bulk-wait').textContent();
      if (wait) waits.add(wait);
      if (!shot && wait && values.at(-1) > 0) {
        shot = true;
        await screenshot(page, '42-bulk-progress');
        await audit(page, 'bulk delete in progress');
      }
      await page.waitForTimeout(100);
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const distinct = [...new Set(values)];
    console.log(`# bulk delete of ${COUNT} at 10 requests per 2 s: ${seconds} s; progress values seen: ${distinct.join(', ')}; waits: ${[...waits].join(' | ')}`);
    assert.ok(distinct.length >= 3, `the bar moved: ${distinct.join(', ')}`);
    assert.ok(values.every((v, i) => i === 0 || v >= values[i - 1]), 'the bar never goes back');
    assert.ok([...texts].some((t) => /^\d+ of 30 tokens done: \d+ deleted\.$/.test(t)), [...texts].join(' | '));
    assert.ok([...waits].some((w) => /^Waiting \d+ s for the rate limit \(\d+ requests? held; the API allows 10 every 2 seconds\)\.$/.test(w)), `waits seen: ${[...waits].join(' | ')}`);

    const summary = dialog().locator('#bulk-summary');
    await summary.waitFor(WAIT);
    assert.equal(await dialog().getByRole('heading', { level: 2 }).innerText(), `Deleted ${COUNT} tokens`);
    assert.equal(await summary.locator('#bulk-summary-text').innerText(), `Deleted ${COUNT} of ${COUNT} tokens.`);
    assert.equal(await summary.locator('#bulk-failures li').count(), 0);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'bulk-summary');
    await screenshot(page, '43-bulk-summary');
    await audit(page, 'bulk delete summary');
    await dialog().getByRole('button', { name: 'Close' }).click();

    const left = await apiTokens(dashboard);
    assert.deepEqual(left.map((t) => t.note).sort(), ['Default public token', 'Emulator admin token', 'Keep me']);
    await waitForText(page.locator('#table-count'), '3 tokens: that is all of them.');
    await waitForText(page.locator('#selection-count'), 'No token selected.');
    await waitForText(page.locator('#list-status'), `Deleted ${COUNT} of ${COUNT} tokens.`);
    const requests = await hook(dashboard, 'GET', 'requests');
    const deletes = requests.filter((r) => r.method === 'DELETE');
    console.log(`# bulk delete: ${deletes.length} DELETE requests sent for ${COUNT} tokens`);
  } finally {
    await hook(dashboard, 'PUT', 'rate-limit', false);
  }
});

test('a delete that fails is named in the summary with its reason; the others go', async () => {
  const { tokens } = await hook(dashboard, 'POST', 'seed', { count: 3, note: 'Batch' });
  await page.getByRole('button', { name: 'Refresh' }).click();
  await waitForText(page.locator('#table-count'), '6 tokens: that is all of them.');
  const refused = tokens[1].id;
  await hook(dashboard, 'POST', 'faults', {
    method: 'DELETE',
    path: `/tokens/v2/${dashboard.username}/${refused}`,
    count: 1,
    fault: { type: 'status', status: 403, body: { message: 'This token is protected' } },
  });
  await page.getByLabel('Search', { exact: true }).fill('batch');
  await page.getByLabel('Select all shown').check();
  await page.getByLabel('Search', { exact: true }).fill('');
  await page.getByRole('button', { name: 'Delete selected' }).click();
  await dialog().getByRole('button', { name: 'Delete 3 tokens' }).click();
  const summary = dialog().locator('#bulk-summary');
  await summary.waitFor(WAIT);
  assert.equal(await dialog().getByRole('heading', { level: 2 }).innerText(), 'Some tokens were not deleted');
  assert.equal(await summary.locator('#bulk-summary-text').innerText(), 'Deleted 2 of 3 tokens. 1 delete failed: that token still exists.');
  const failures = await summary.locator('#bulk-failures li').allInnerTexts();
  assert.equal(failures.length, 1);
  assert.match(failures[0], new RegExp(`^“Batch” \\(${refused}\\): .*403.*This token is protected`));
  await screenshot(page, '44-bulk-failure');
  await audit(page, 'bulk delete with a failure');
  await dialog().getByRole('button', { name: 'Close' }).click();

  assert.deepEqual((await apiTokens(dashboard)).filter((t) => t.note === 'Batch').map((t) => t.id), [refused]);
  await waitForText(page.locator('#table-count'), '4 tokens: that is all of them.');
  await waitForText(page.locator('#selection-count'), '1 token selected.'); // the one left, still selected
  await waitForText(page.locator('#list-status'), 'Deleted 2 of 3 tokens. 1 delete failed');
  assert.equal(await page.locator('#list-status').getAttribute('data-kind'), 'error');
});

test('Stop ends a run: the deletes the rate limit still holds are not made, and the summary says so', async () => {
  const { tokens } = await hook(dashboard, 'POST', 'seed', { count: 6, note: 'Stoppable' });
  // 4 requests per 30 s, learnt by a fresh client: the page's two requests on connecting, two
  // deletes, then the rest are held.
  await hook(dashboard, 'PUT', 'rate-limit', { limit: 4, interval: 30 });
  try {
    await page.reload();
    await waitForText(page.locator('#table-count'), '10 tokens: that is all of them.');
    await page.getByLabel('Search', { exact: true }).fill('stoppable');
    await page.getByLabel('Select all shown').check();
    await page.getByLabel('Search', { exact: true }).fill('');
    await waitForText(page.locator('#selection-count'), '6 tokens selected.');
    await page.getByRole('button', { name: 'Delete selected' }).click();
    await dialog().getByRole('button', { name: 'Delete 6 tokens' }).click();
    await waitForText(dialog().locator('#bulk-progress-text'), '2 of 6 tokens done: 2 deleted.');
    await waitForText(dialog().locator('#bulk-wait'), 'for the rate limit (4 requests held');
    await dialog().getByRole('button', { name: 'Stop' }).click();
    const summary = dialog().locator('#bulk-summary');
    await summary.waitFor(WAIT);
    assert.match(await summary.locator('#bulk-summary-text').innerText(), /^Deleted 2 of 6 tokens\. Stopped before 4 tokens were deleted/);
    await dialog().getByRole('button', { name: 'Close' }).click();
    await hook(dashboard, 'PUT', 'rate-limit', false); // the test's own listing counts for the account too
    const left = (await apiTokens(dashboard)).filter((t) => t.note === 'Stoppable').map((t) => t.id);
    assert.equal(left.length, 4);
    assert.ok(left.every((id) => tokens.some((t) => t.id === id)));
    await waitForText(page.locator('#selection-count'), '4 tokens selected.');
  } finally {
    await hook(dashboard, 'PUT', 'rate-limit', false);
  }
});

test('nothing reached the console', () => {
  assertCleanConsole(run, dashboard.adminToken);
});
