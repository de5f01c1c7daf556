// The token dashboard end to end: www/ served by startDashboard with the emulator, driven in
// headless Debian Chromium. The steps run in order on one page and build on each other.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiTokens, hook, launchChromium, screenshot, startTestDashboard, tempDir } from './helpers.mjs';

const WAIT = { timeout: 10_000 };
let dir, dashboard, browser, page;
const consoleMessages = [];
const urlsSentToDashboard = [];
const created = {}; // token strings made through the page: { pk, sk, pkId }

before(async () => {
  dir = tempDir();
  dashboard = await startTestDashboard(dir.path);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(dashboard.url).origin });
  page = await context.newPage();
  page.on('console', (message) => consoleMessages.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => consoleMessages.push(`pageerror: ${error.message}`));
  page.on('request', (request) => {
    if (request.url().startsWith(dashboard.url)) urlsSentToDashboard.push(request.url());
  });
});

after(async () => {
  await browser?.close();
  await dashboard?.close();
  dir?.remove();
});

// --- helpers -----------------------------------------------------------------------------------

/** Waits until `locator` (or one of its matches) contains `text`; on timeout, says what it shows. */
async function waitForText(locator, text) {
  try {
    await locator.filter({ hasText: text }).first().waitFor(WAIT);
  } catch (err) {
    const shown = await locator.allInnerTexts().catch(() => []);
    throw new Error(`${err.message.split('\n')[0]}\nwanted: ${text}\nshown: ${JSON.stringify(shown)}`);
  }
}
const cardOf = (note) => page.locator('#token-list > li').filter({ has: page.getByRole('heading', { name: note, exact: true }) });
const cards = () => page.locator('#token-list > li');
const visibleText = () => page.evaluate(() => document.body.innerText);

/** The page shows no token it should not: the admin token (only in the connect field) and `others`. */
async function assertNoSecretShown(...others) {
  const text = await visibleText();
  for (const secret of [dashboard.adminToken, ...others]) assert.ok(!text.includes(secret), 'a secret token is visible on the page');
  assert.ok(!page.url().includes(dashboard.adminToken), 'the access token is in the URL');
}

async function tick(scope, root) {
  const box = root.getByLabel(scope);
  if (!(await box.isVisible())) await root.locator('summary', { hasText: 'Secret scopes' }).click();
  await box.check();
}

// --- the steps ---------------------------------------------------------------------------------

test('served by startDashboard, the page connects itself to the emulator from /config.json', async () => {
  await page.goto(dashboard.url);
  await waitForText(page.locator('#connect-status'), `Connected to the account “${dashboard.username}” at ${dashboard.emulatorUrl}.`);
  assert.ok(await page.locator('#local-note').isVisible());
  assert.match(await page.locator('#local-note').innerText(), /local emulator's origin and its admin token/);
  assert.equal(await page.getByLabel('Access token').inputValue(), dashboard.adminToken);
  assert.equal(await page.getByLabel('API origin').inputValue(), dashboard.emulatorUrl);
  assert.equal(await page.getByLabel('Access token').getAttribute('type'), 'password');

  const defaultCard = cardOf('Default public token');
  assert.match(await defaultCard.innerText(), /Public \(pk\)/);
  assert.ok(await defaultCard.locator('.badge', { hasText: 'Default' }).isVisible());
  assert.match(await cardOf('Emulator admin token').innerText(), /Secret \(sk\)[\s\S]*This page’s token/);
  assert.match(await page.locator('#list-status').innerText(), /2 tokens shown: that is all of them/);
  assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'nothing is stored unless asked');
  await assertNoSecretShown();
  await screenshot(page, '01-connected');
});

test('creates a public token: the preview says pk, and it is listed as pk with its URLs', async () => {
  const form = page.locator('#create-form');
  await form.getByLabel('Note').fill('Website (public)');
  assert.equal(await page.locator('#create-preview').innerText(), 'Pick at least one scope.');
  await tick('styles:read', form);
  await tick('fonts:read', form);
  assert.match(await page.locator('#create-preview').innerText(), /^This will be a public \(pk\) token/);
  await form.getByLabel('Allowed URLs').fill('https://example.com\nhttps://example.org');
  await form.getByRole('button', { name: 'Create token' }).click();
  await waitForText(page.locator('#create-status'), 'Created the public token “Website (public)”.');

  const result = page.locator('#create-result');
  assert.equal(await result.getByRole('heading').innerText(), 'Your new public token');
  created.pk = await result.locator('.token-value').innerText();
  assert.match(created.pk, /^pk\./);

  const card = cardOf('Website (public)');
  await card.waitFor(WAIT);
  const text = await card.innerText();
  assert.match(text, /Public \(pk\)/);
  assert.match(text, /styles:read[\s\S]*fonts:read/);
  assert.match(text, /https:\/\/example\.com[\s\S]*https:\/\/example\.org/);
  created.pkId = await card.getAttribute('data-id');
  const listed = (await apiTokens(dashboard)).find((t) => t.id === created.pkId);
  assert.deepEqual([listed.usage, listed.note, listed.allowedUrls], ['pk', 'Website (public)', ['https://example.com', 'https://example.org']]);
  await result.getByRole('button', { name: 'Done, hide the token' }).click();
});

test('creates a secret token: shown once with its warning and a working Copy button, listed without it', async () => {
  const form = page.locator('#create-form');
  await form.getByLabel('Note').fill('Server (secret)');
  await tick('styles:read', form);
  await tick('tokens:read', form);
  assert.match(await page.locator('#create-preview').innerText(), /^This will be a secret \(sk\) token/);
  await form.getByRole('button', { name: 'Create token' }).click();
  await waitForText(page.locator('#create-status'), 'Created the secret token “Server (secret)”.');

  const result = page.locator('#create-result');
  assert.equal(await result.getByRole('heading').innerText(), 'Your new secret token');
  assert.match(await result.locator('.warning').innerText(), /cannot be shown again/);
  created.sk = await result.locator('.token-value').innerText();
  assert.match(created.sk, /^sk\./);
  await result.getByRole('button', { name: /^Copy/ }).click();
  await waitForText(result.locator('.copy-feedback'), 'Copied.');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), created.sk);
  await screenshot(page, '02-secret-token-shown-once');

  const card = cardOf('Server (secret)');
  await card.waitFor(WAIT);
  assert.match(await card.innerText(), /Secret \(sk\)/);
  assert.ok(!(await card.innerText()).includes(created.sk), 'a listed secret token shows no token string');
  const listed = (await apiTokens(dashboard)).find((t) => t.note === 'Server (secret)');
  assert.deepEqual([listed.usage, listed.scopes], ['sk', ['styles:read', 'tokens:read']]);

  await result.getByRole('button', { name: 'Done, hide the token' }).click();
  assert.ok(await result.isHidden());
  await assertNoSecretShown(created.sk);
});

test('edits a token’s note and scopes; secret scopes are locked for a public token', async () => {
  await cardOf('Website (public)').getByRole('button', { name: /^Edit/ }).click();
  const dialog = page.locator('#edit-dialog');
  await dialog.waitFor(WAIT);
  assert.equal(await dialog.getByLabel('Note').inputValue(), 'Website (public)');
  assert.ok(await dialog.getByLabel('tokens:write').isDisabled(), 'a pk cannot gain secret scopes');
  await dialog.getByLabel('Note').fill('Website (edited)');
  await dialog.getByLabel('fonts:read').uncheck();
  await dialog.getByLabel('datasets:read').check();
  await screenshot(page, '03-edit-dialog');
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await waitForText(page.locator('#list-status'), 'Saved the changes to “Website (edited)”.');
  assert.ok(await dialog.isHidden());

  const text = await cardOf('Website (edited)').innerText();
  assert.match(text, /styles:read[\s\S]*datasets:read/);
  assert.doesNotMatch(text, /fonts:read/);
  const listed = (await apiTokens(dashboard)).find((t) => t.id === created.pkId);
  assert.deepEqual([listed.note, listed.scopes], ['Website (edited)', ['styles:read', 'datasets:read']]);
});

test('clears a token’s allowed URLs', async () => {
  const card = cardOf('Website (edited)');
  await card.getByRole('button', { name: /^Edit/ }).click();
  const dialog = page.locator('#edit-dialog');
  assert.equal(await dialog.getByLabel('Allowed URLs').inputValue(), 'https://example.com\nhttps://example.org');
  await dialog.getByRole('button', { name: 'Clear allowed URLs' }).click();
  assert.equal(await dialog.getByLabel('Allowed URLs').inputValue(), '');
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await waitForText(card, 'Any URL');
  assert.doesNotMatch(await card.innerText(), /example\.com/);
  const listed = (await apiTokens(dashboard)).find((t) => t.id === created.pkId);
  assert.equal(listed.allowedUrls, undefined);
});

test('creates a temporary token whose expiry counts down', async () => {
  const form = page.locator('#temporary-form');
  await tick('styles:read', form);
  await form.getByLabel('Lifetime in minutes').fill('5');
  await form.getByRole('button', { name: 'Create temporary token' }).click();
  const result = page.locator('#temporary-result');
  await waitForText(result, 'Your temporary token');
  assert.match(await result.locator('.token-value').innerText(), /^tk\./);
  const timer = result.getByRole('timer');
  const first = await timer.innerText();
  assert.match(first, /^Expires in [45]:\d\d$/);
  await page.waitForFunction((before) => document.querySelector('#temporary-result [role="timer"]').textContent !== before, first, WAIT);
  assert.match(await timer.innerText(), /^Expires in 4:\d\d$/);
  await screenshot(page, '04-temporary-token');
});

test('checks tokens: the API verdict and the offline decode, for a valid token and for garbage', async () => {
  const form = page.locator('#check-form');
  const result = page.locator('#check-result');
  await form.getByLabel('Token to check').fill(created.pk);
  await form.getByRole('button', { name: 'Check', exact: true }).click();
  await waitForText(result, 'TokenValid');
  const decoded = await result.locator('.decoded').innerText();
  assert.match(decoded, /Usage\s+Public \(pk\)/);
  assert.match(decoded, new RegExp(`Account\\s+${dashboard.username}`));
  assert.match(decoded, new RegExp(`Id\\s+${created.pkId}`));
  assert.match(decoded, /Expires\s+Never/);
  await screenshot(page, '05-check-valid');

  await form.getByLabel('Token to check').fill('garbage');
  await form.getByRole('button', { name: 'Check', exact: true }).click();
  await waitForText(result, 'TokenMalformed');
  assert.match(await result.locator('.verdict').innerText(), /TokenMalformed: The token is malformed/);
  assert.match(await result.locator('.decoded').innerText(), /The token is malformed: a token has three parts separated by dots\./);
});

test('pages through more tokens than one page holds with "Load more"', async () => {
  await hook(dashboard, 'POST', 'seed', { count: 23 });
  const total = (await apiTokens(dashboard)).length;
  assert.equal(total, 27);
  await page.getByLabel('Per page').fill('5');
  await page.getByRole('button', { name: 'Refresh' }).click();
  await waitForText(page.locator('#list-status'), '5 tokens shown; more to load.');
  assert.equal(await cards().count(), 5);

  const more = page.getByRole('button', { name: 'Load more' });
  let clicks = 0;
  while (await more.isVisible()) {
    const before = await cards().count();
    await more.click();
    clicks++;
    await page.waitForFunction((n) => document.querySelectorAll('#token-list > li').length > n, before, WAIT);
  }
  assert.equal(clicks, Math.ceil(total / 5) - 1);
  assert.equal(await cards().count(), total);
  const ids = await cards().evaluateAll((items) => items.map((li) => li.dataset.id));
  assert.equal(new Set(ids).size, total, 'no token is listed twice');
  await waitForText(page.locator('#list-status'), `${total} tokens shown: that is all of them.`);
  await screenshot(page, '06-paged-list');
});

test('filters the list by usage and default', async () => {
  await page.getByLabel('Usage').selectOption('sk');
  await waitForText(page.locator('#list-status'), '2 tokens shown');
  assert.deepEqual(await cards().evaluateAll((items) => items.map((li) => li.dataset.usage)), ['sk', 'sk']);
  await page.getByLabel('Usage').selectOption('');
  await page.getByLabel('Default token').selectOption('true');
  await waitForText(page.locator('#list-status'), '1 token shown');
  assert.equal(await cards().first().locator('h3').innerText(), 'Default public token');
  await page.getByLabel('Default token').selectOption('');
  await page.getByLabel('Per page').fill('100');
  await page.getByRole('button', { name: 'Refresh' }).click();
  await waitForText(page.locator('#list-status'), '27 tokens shown');
});

test('deletes a token only after a confirmation naming it', async () => {
  const card = cardOf('Website (edited)');
  const confirm = page.locator('#confirm-dialog');
  await card.getByRole('button', { name: /^Delete/ }).click();
  await confirm.waitFor(WAIT);
  const question = await confirm.locator('#confirm-text').innerText();
  assert.ok(question.includes('“Website (edited)”') && question.includes(created.pkId), question);
  await screenshot(page, '07-delete-confirmation');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  assert.ok(await confirm.isHidden());
  assert.ok(await card.isVisible(), 'cancel keeps the token');

  await card.getByRole('button', { name: /^Delete/ }).click();
  await confirm.getByRole('button', { name: 'Delete token' }).click();
  await waitForText(page.locator('#list-status'), `Deleted the token “Website (edited)” (${created.pkId}).`);
  assert.equal(await card.count(), 0);
  assert.ok(!(await apiTokens(dashboard)).some((t) => t.id === created.pkId));

  await page.getByLabel('Token to check').fill(created.pk);
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await waitForText(page.locator('#check-result'), 'TokenRevoked');
});

test('an API failure injected through the emulator is shown as a plain sentence', async () => {
  // Three 503s: the first attempt and both retries of the GET.
  await hook(dashboard, 'POST', 'faults', { method: 'GET', path: '/tokens/v2/', count: 3, fault: { type: 'status', status: 503 } });
  await page.getByRole('button', { name: 'Refresh' }).click();
  const status = page.locator('#list-status');
  await waitForText(status, 'answered 503');
  const sentence = await status.innerText();
  assert.match(sentence, /^listTokens failed: the API answered 503 "Service Unavailable"\. .*try again later\.$/);
  assert.doesNotMatch(sentence, /[{}]/, 'no raw JSON');
  await screenshot(page, '08-error-503');

  await hook(dashboard, 'POST', 'faults', { method: 'POST', path: '/tokens/v2/', fault: { type: 'status', status: 500 } });
  const form = page.locator('#create-form');
  await tick('styles:read', form);
  await form.getByRole('button', { name: 'Create token' }).click();
  await waitForText(page.locator('#create-status'), 'answered 500');
  assert.doesNotMatch(await page.locator('#create-status').innerText(), /[{}]/);
  await assertNoSecretShown(created.sk);
  await hook(dashboard, 'DELETE', 'faults');
});

test('connecting with a token that lacks the scopes says so, without showing it', async () => {
  const { token } = await hook(dashboard, 'POST', 'tokens', { scopes: ['styles:read'], usage: 'sk' });
  await page.getByRole('button', { name: 'Disconnect' }).click();
  await waitForText(page.locator('#connect-status'), 'Disconnected.');
  assert.ok(await page.locator('#tokens').isHidden());
  assert.equal(await page.getByLabel('Access token').inputValue(), '');

  await page.getByLabel('Access token').fill(token);
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await waitForText(page.locator('#connect-status'), 'lack the tokens:read scope');
  assert.match(await page.locator('#connect-status').innerText(), /^listTokens failed: the API answered 404 "Not Found"\./);
  assert.ok(await page.locator('#tokens').isHidden());
  await screenshot(page, '09-error-missing-scope');
  await assertNoSecretShown(token, created.sk);
});

test('connects through the form, and remembers the token for the tab only when asked', async () => {
  await page.getByLabel('Access token').fill(dashboard.adminToken);
  await page.getByLabel('Remember the token for this tab').check();
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await waitForText(page.locator('#connect-status'), 'Connected to the account');
  assert.equal(await page.evaluate(() => sessionStorage.length), 1);
  await assertNoSecretShown(created.sk);

  await page.reload();
  await waitForText(page.locator('#connect-status'), 'Connected to the account');
  assert.ok(await page.getByLabel('Remember the token for this tab').isChecked());
  await page.getByLabel('Remember the token for this tab').uncheck();
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
});

test('is usable by keyboard: labelled controls, Enter submits, Escape closes the dialog and focus returns', async () => {
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea')]
      .filter((el) => el.labels.length === 0 && !el.getAttribute('aria-label'))
      .map((el) => el.id || el.outerHTML));
  assert.deepEqual(unlabelled, []);

  await page.getByLabel('Token to check').focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.type('not.a.token');
  await page.keyboard.press('Enter');
  await waitForText(page.locator('#check-result'), 'TokenMalformed');

  const edit = cardOf('Server (secret)').getByRole('button', { name: /^Edit/ });
  await edit.focus();
  await page.keyboard.press('Enter');
  await page.locator('#edit-dialog').waitFor(WAIT);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'edit-note');
  await page.keyboard.press('Escape');
  assert.ok(await page.locator('#edit-dialog').isHidden());
  assert.ok(await edit.evaluate((el) => el === document.activeElement), 'focus is back on the Edit button');
});

test('reads well at 360px: nothing scrolls sideways', async () => {
  await page.setViewportSize({ width: 360, height: 800 });
  await page.getByLabel('Per page').fill('3');
  await page.getByRole('button', { name: 'Refresh' }).click();
  await waitForText(page.locator('#list-status'), '3 tokens shown');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0);
  await screenshot(page, '10-narrow-360px');
});

test('hosted without /config.json, the page waits for a token and defaults to https://api.mapbox.com', async () => {
  const elsewhere = await browser.newPage();
  try {
    await elsewhere.route('**/config.json', (route) => route.fulfill({ status: 404, body: 'Not found' }));
    await elsewhere.goto(dashboard.url);
    await elsewhere.waitForFunction(() => !document.getElementById('connect-button').disabled, null, WAIT);
    assert.equal(await elsewhere.getByLabel('API origin').inputValue(), 'https://api.mapbox.com');
    assert.equal(await elsewhere.getByLabel('Access token').inputValue(), '');
    assert.ok(await elsewhere.locator('#local-note').isHidden());
    assert.ok(await elsewhere.locator('#tokens').isHidden());
    await elsewhere.getByRole('button', { name: 'Connect', exact: true }).click();
    await waitForText(elsewhere.locator('#connect-status'), 'Enter an access token.');
  } finally {
    await elsewhere.close();
  }
});

test('nothing but failed requests reached the console, and no token reached it nor a URL of the dashboard', () => {
  for (const secret of [dashboard.adminToken, created.sk]) {
    assert.ok(!consoleMessages.some((m) => m.includes(secret)), 'a token was written to the console');
    assert.ok(!urlsSentToDashboard.some((u) => u.includes(secret)), 'a token was sent to the dashboard server');
  }
  // Chromium's own lines for the failed requests above are the only console output.
  assert.deepEqual(consoleMessages.filter((m) => !m.startsWith('error: Failed to load resource: the server responded with a status of')), []);
});
