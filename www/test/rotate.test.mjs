// Rotating a token from its details: the dialog says what will happen, the new token (same
// settings) is shown once with Copy, the old one is kept or deleted as asked, and a failed delete
// (injected through the emulator's faults) keeps the new token on screen and says the old one
// still exists. Needs the package's `rotate` (see the contract of the library's next build).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WAIT, api, apiTokens, assertCleanConsole, assertNoSecretShown, audit, connectedPage, hook, openDashboard, rows, screenshot, waitForText } from './helpers.mjs';

let run, dashboard, page;
const made = {}; // { store, tiles }: tokens created through the API, with their strings

before(async () => {
  run = await openDashboard({ clipboard: true });
  ({ dashboard, page } = run);
  const account = `/tokens/v2/${dashboard.username}`;
  made.store = await api(dashboard, 'POST', account, { scopes: ['styles:read', 'fonts:read'], note: 'Store locator', allowedUrls: ['https://shop.example'] });
  made.tiles = await api(dashboard, 'POST', account, { scopes: ['styles:read', 'styles:list'], note: 'Tile server' });
  await connectedPage(page, dashboard);
});
after(() => run?.close());

const dialog = () => page.locator('#rotate-dialog');
const rowById = (id) => page.locator(`#token-table tbody tr[data-id="${id}"]`);
const rowsNamed = (note) => rows(page).filter({ has: page.locator('.note-text', { hasText: new RegExp(`^${note}$`) }) });

/** Opens the token's details from its row and the rotate dialog from there. */
async function openRotate(id) {
  await rowById(id).click();
  await page.locator('#details').getByRole('button', { name: 'Rotate', exact: true }).click();
  await dialog().waitFor(WAIT);
}

test('the dialog says what rotating does, and offers to delete the old token', async () => {
  // (The search finds a token by its allowed URL too.)
  await page.getByLabel('Search', { exact: true }).fill('shop.example');
  await waitForText(page.locator('#table-count'), '1 of 4 loaded tokens matches “shop.example”.');
  assert.equal(await rowsNamed('Store locator').count(), 1);
  await page.getByLabel('Search', { exact: true }).fill('');
  await openRotate(made.store.id);
  assert.equal(await dialog().getByRole('heading', { level: 2 }).innerText(), 'Rotate token');
  const text = await dialog().locator('#rotate-text').innerText();
  assert.match(text, /^Rotating “Store locator” creates a new public token with the same scopes, note and allowed URLs, and shows it once\./);
  const deleteOld = dialog().getByLabel('Delete the old token');
  assert.equal(await deleteOld.isChecked(), false, 'the old token is kept unless asked');
  assert.equal(await deleteOld.isEnabled(), true);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'rotate-confirm', 'the keyboard is in the dialog');
  await screenshot(page, '30-rotate-dialog');
  await audit(page, 'rotate dialog');
  await page.keyboard.press('Escape');
  assert.ok(await dialog().isHidden());
  assert.equal(await page.evaluate(() => document.activeElement.id), 'details-rotate', 'focus is back on Rotate');
});

test('rotates a public token keeping the old one: the new token is shown once with Copy and listed', async () => {
  await openRotate(made.store.id);
  await dialog().getByRole('button', { name: 'Rotate token' }).click();
  await waitForText(page.locator('#rotate-status'), 'Rotated “Store locator”: the new token is ready. The old one still exists');
  const result = page.locator('#rotate-result');
  assert.equal(await result.getByRole('heading').innerText(), 'The new public token');
  const token = await result.locator('.token-value').innerText();
  assert.match(token, /^pk\./);
  await result.getByRole('button', { name: /^Copy/ }).click();
  await waitForText(result.locator('.copy-feedback'), 'Copied.');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);

  const listed = (await apiTokens(dashboard)).filter((t) => t.note === 'Store locator');
  assert.equal(listed.length, 2, 'the old token still exists');
  const fresh = listed.find((t) => t.id !== made.store.id);
  assert.deepEqual([fresh.scopes, fresh.allowedUrls, fresh.usage], [['styles:read', 'fonts:read'], ['https://shop.example'], 'pk']);
  await rowById(fresh.id).waitFor(WAIT);
  assert.equal(await rowsNamed('Store locator').count(), 2);
  made.storeRotated = fresh.id;

  await dialog().getByRole('button', { name: 'Done, hide the new token' }).click();
  assert.ok(await dialog().isHidden());
  // The dialog forgets the token string: its close event (a task that close() queues) empties it.
  await result.locator('.token-value').waitFor({ state: 'detached', ...WAIT });
  assert.equal(await result.locator('.token-value').count(), 0, 'the dialog forgets the token string');
});

test('rotates a secret token and deletes the old one: shown once, old row gone, old token revoked', async () => {
  await openRotate(made.tiles.id);
  assert.match(await dialog().locator('#rotate-text').innerText(), /creates a new secret token/);
  await dialog().getByLabel('Delete the old token').check();
  await dialog().getByRole('button', { name: 'Rotate token' }).click();
  await waitForText(page.locator('#rotate-status'), 'Rotated “Tile server”: the new token is ready and the old one is deleted.');
  const result = page.locator('#rotate-result');
  assert.equal(await result.getByRole('heading').innerText(), 'The new secret token');
  assert.match(await result.locator('.warning').innerText(), /cannot be shown again/);
  const token = await result.locator('.token-value').innerText();
  assert.match(token, /^sk\./);
  assert.ok(await page.evaluate(() => document.activeElement.id === 'rotate-result'), 'the keyboard moves to the new token');
  await screenshot(page, '31-rotate-done');
  await audit(page, 'rotate done');

  const listed = (await apiTokens(dashboard)).filter((t) => t.note === 'Tile server');
  assert.equal(listed.length, 1);
  assert.notEqual(listed[0].id, made.tiles.id);
  assert.deepEqual(listed[0].scopes, ['styles:read', 'styles:list']);
  assert.equal(await rowById(made.tiles.id).count(), 0, 'the old row is gone');
  await rowById(listed[0].id).waitFor(WAIT);
  const verdict = await (await fetch(`${dashboard.emulatorUrl}/tokens/v2?access_token=${made.tiles.token}`)).json();
  assert.equal(verdict.code, 'TokenRevoked');

  await dialog().getByRole('button', { name: 'Done, hide the new token' }).click();
  await assertNoSecretShown(page, token, made.tiles.token);
});

test('a failed delete keeps the new token on screen and says the old one still exists', async () => {
  const path = `/tokens/v2/${dashboard.username}/${made.storeRotated}`;
  // Every attempt at deleting the old token fails (the first and its retries).
  await hook(dashboard, 'POST', 'faults', { method: 'DELETE', path, count: 10, fault: { type: 'status', status: 503 } });
  try {
    await openRotate(made.storeRotated);
    await dialog().getByLabel('Delete the old token').check();
    await dialog().getByRole('button', { name: 'Rotate token' }).click();
    const status = page.locator('#rotate-status');
    await waitForText(status, 'The new token is ready, but the old token “Store locator” could not be deleted: it still exists.');
    assert.equal(await status.getAttribute('data-kind'), 'error');
    // The reason, as the client gives it.
    assert.match(await page.locator('#rotate-failure').innerText(), /^Why the old token is still there: .*503/);
    const token = await page.locator('#rotate-result .token-value').innerText();
    assert.match(token, /^pk\./, 'the new token stays on screen');
    await screenshot(page, '32-rotate-failed-delete');
    await audit(page, 'rotate failed delete');

    const listed = (await apiTokens(dashboard)).filter((t) => t.note === 'Store locator');
    assert.equal(listed.length, 3, 'the new token exists, and so does the old one');
    assert.ok(listed.some((t) => t.id === made.storeRotated));
    assert.ok(await rowById(made.storeRotated).isVisible(), 'the old token stays in the table');
    await waitForText(page.locator('#table-count'), 'tokens: that is all of them.');
    assert.equal(await rowsNamed('Store locator').count(), 3, 'the new one is added to it');
    await dialog().getByRole('button', { name: 'Done, hide the new token' }).click();
  } finally {
    await hook(dashboard, 'DELETE', 'faults');
  }
});

test('the default public token and the page’s own token are handled with care', async () => {
  const tokens = await apiTokens(dashboard);
  const defaultToken = tokens.find((t) => t.default);
  await rowById(defaultToken.id).click();
  const details = page.locator('#details');
  await waitForText(details, 'cannot be rotated through the API');
  assert.ok(await details.getByRole('button', { name: 'Rotate', exact: true }).isHidden());

  const own = tokens.find((t) => t.note === 'Emulator admin token');
  await openRotate(own.id);
  assert.ok(await dialog().getByLabel('Delete the old token').isDisabled(), 'the page keeps the token it is connected with');
  assert.match(await dialog().locator('#rotate-delete-help').innerText(), /This page is connected with this token/);
  await dialog().getByRole('button', { name: 'Cancel' }).click();
});

test('nothing reached the console, and no token reached it', () => {
  assertCleanConsole(run, dashboard.adminToken, made.tiles.token, made.store.token);
});
