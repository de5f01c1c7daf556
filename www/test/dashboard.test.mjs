// The token dashboard end to end: www/ served by startDashboard with the emulator, driven in
// headless Debian Chromium. The steps run in order on one page and build on each other: connect,
// create, details, edit, temporary tokens, check, paging, filters, search, sort, delete, errors,
// connecting by hand, keyboard use, 360 px, and a page hosted without the local server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  WAIT, apiTokens, assertCleanConsole, assertNoSecretShown, audit, hook, openDashboard, rowOf, rows, screenshot,
  shownNotes, tick, waitForText,
} from './helpers.mjs';

let run, dashboard, page;
const created = {}; // token strings made through the page: { pk, sk, pkId }

before(async () => {
  run = await openDashboard({ clipboard: true });
  ({ dashboard, page } = run);
});
after(() => run?.close());

const details = () => page.locator('#details');
const listStatus = () => page.locator('#list-status');
const tableCount = () => page.locator('#table-count');

test('served by startDashboard, the page connects itself to the emulator and shows a table of tokens', async () => {
  await page.goto(dashboard.url);
  await waitForText(page.locator('#connect-status'), `Connected to ${dashboard.username} at ${dashboard.emulatorUrl}`);
  // Connected, the Connect panel is one line; "Change" opens its form, filled in by the server.
  assert.ok(await page.locator('#connect-form').isHidden());
  await page.getByRole('button', { name: 'Change' }).click();
  assert.ok(await page.locator('#local-note').isVisible());
  assert.match(await page.locator('#local-note').innerText(), /local emulator's origin and its admin token/);
  assert.equal(await page.getByLabel('Access token').inputValue(), dashboard.adminToken);
  assert.equal(await page.getByLabel('API origin').inputValue(), dashboard.emulatorUrl);
  assert.equal(await page.getByLabel('Access token').getAttribute('type'), 'password');
  await page.getByRole('button', { name: 'Change' }).click();
  assert.ok(await page.locator('#connect-form').isHidden());

  const table = page.getByRole('table', { name: 'Tokens' });
  assert.deepEqual(await table.getByRole('columnheader').allInnerTexts(), ['Selected', 'Note', 'Usage', 'Scopes', 'URL restriction', 'Created', 'Modified']);
  assert.equal(await rows(page).count(), 2);
  const defaultRow = rowOf(page, 'Default public token');
  assert.equal(await defaultRow.locator('td.usage').innerText(), 'pk Default');
  assert.equal(await defaultRow.locator('td.scopes').textContent(), '5 scopes styles:tiles, styles:read, fonts:read, …');
  assert.equal(await defaultRow.locator('td.urls').innerText(), 'Any URL');
  const adminRow = rowOf(page, 'Emulator admin token');
  assert.equal(await adminRow.locator('td.usage').innerText(), 'sk');
  assert.match(await adminRow.locator('th').textContent(), /This page’s token/);
  assert.equal(await tableCount().innerText(), '2 tokens: that is all of them.');
  assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'nothing is stored unless asked');
  await assertNoSecretShown(page, dashboard.adminToken);
  await screenshot(page, '01-connected');
  await audit(page, 'connected');
});

test('creates a public token: the preview says pk, and its row shows pk and its URL count', async () => {
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

  const row = rowOf(page, 'Website (public)');
  await row.waitFor(WAIT);
  assert.equal(await row.locator('td.usage').innerText(), 'pk');
  assert.equal(await row.locator('td.scopes').textContent(), '2 scopes styles:read, fonts:read');
  assert.equal(await row.locator('td.urls').innerText(), '2 URLs');
  created.pkId = await row.getAttribute('data-id');
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
  await audit(page, 'secret token shown once');

  const row = rowOf(page, 'Server (secret)');
  await row.waitFor(WAIT);
  assert.equal(await row.locator('td.usage').innerText(), 'sk');
  const listed = (await apiTokens(dashboard)).find((t) => t.note === 'Server (secret)');
  assert.deepEqual([listed.usage, listed.scopes], ['sk', ['styles:read', 'tokens:read']]);

  await result.getByRole('button', { name: 'Done, hide the token' }).click();
  assert.ok(await result.isHidden());
  await assertNoSecretShown(page, dashboard.adminToken, created.sk);
});

test('Enter on a row opens its details: scopes grouped public and secret, URLs, the pk string with Copy, dates, actions', async () => {
  const row = rowOf(page, 'Website (public)');
  await row.focus();
  await page.keyboard.press('Enter');
  const panel = details();
  await waitForText(panel.locator('#details-heading'), 'Details of “Website (public)”');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'details-heading', 'the keyboard moves to the details');
  assert.equal(await row.getAttribute('aria-current'), 'true');
  const text = await panel.innerText();
  assert.match(text, /Scopes \(2\)\s+Public \(2\)\s+styles:read\s+fonts:read/);
  assert.doesNotMatch(text, /Secret \(/);
  assert.match(text, /Allowed URLs\s+https:\/\/example\.com\s+https:\/\/example\.org/);
  assert.match(text, new RegExp(`Id\\s+${created.pkId}`));
  assert.match(text, /Created\s+\w{3} \d+, \d{4}, [^\n]+\s+Modified\s+\w{3} \d+, \d{4}, /);
  assert.equal(await panel.locator('.token-value').innerText(), created.pk);
  await panel.getByRole('button', { name: /^Copy/ }).click();
  await waitForText(panel.locator('.copy-feedback'), 'Copied.');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), created.pk);
  for (const action of ['Edit', 'Rotate', 'Delete']) assert.ok(await panel.getByRole('button', { name: action, exact: true }).isVisible(), action);

  // A secret token: its scopes in both groups, and no string.
  await rowOf(page, 'Server (secret)').click();
  await waitForText(panel.locator('#details-heading'), 'Details of “Server (secret)”');
  const secretText = await panel.innerText();
  assert.match(secretText, /Public \(1\)\s+styles:read\s+Secret \(1\)\s+tokens:read/);
  assert.match(secretText, /shown only once, when it is created/);
  assert.equal(await panel.locator('.token-value').count(), 0);

  // Escape takes the keyboard back to the row.
  await panel.getByRole('button', { name: 'Edit', exact: true }).focus();
  await page.keyboard.press('Escape');
  assert.equal(await page.evaluate(() => document.activeElement.closest('tr')?.querySelector('.note-text').textContent), 'Server (secret)');

  await rowOf(page, 'Website (public)').click();
  await waitForText(panel.locator('#details-heading'), 'Details of “Website (public)”');
  await screenshot(page, '03-details');
  await audit(page, 'details');
});

test('edits a token’s note and scopes from its details; secret scopes are locked for a public token', async () => {
  const panel = details();
  await panel.getByRole('button', { name: 'Edit', exact: true }).click();
  const dialog = page.locator('#edit-dialog');
  await dialog.waitFor(WAIT);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'edit-note');
  assert.equal(await dialog.getByLabel('Note').inputValue(), 'Website (public)');
  assert.ok(await dialog.getByLabel('tokens:write').isDisabled(), 'a pk cannot gain secret scopes');
  await dialog.getByLabel('Note').fill('Website (edited)');
  await dialog.getByLabel('fonts:read').uncheck();
  await dialog.getByLabel('datasets:read').check();
  await screenshot(page, '04-edit-dialog');
  await audit(page, 'edit dialog');
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await waitForText(listStatus(), 'Saved the changes to “Website (edited)”.');
  assert.ok(await dialog.isHidden());
  assert.equal(await page.evaluate(() => document.activeElement.id), 'details-edit', 'focus is back on Edit');

  assert.equal(await rowOf(page, 'Website (edited)').locator('td.scopes').textContent(), '2 scopes styles:read, datasets:read');
  await waitForText(panel.locator('#details-heading'), 'Details of “Website (edited)”');
  assert.match(await panel.innerText(), /Public \(2\)\s+styles:read\s+datasets:read/);
  const listed = (await apiTokens(dashboard)).find((t) => t.id === created.pkId);
  assert.deepEqual([listed.note, listed.scopes], ['Website (edited)', ['styles:read', 'datasets:read']]);
});

test('clears a token’s allowed URLs', async () => {
  await details().getByRole('button', { name: 'Edit', exact: true }).click();
  const dialog = page.locator('#edit-dialog');
  assert.equal(await dialog.getByLabel('Allowed URLs').inputValue(), 'https://example.com\nhttps://example.org');
  await dialog.getByRole('button', { name: 'Clear allowed URLs' }).click();
  assert.equal(await dialog.getByLabel('Allowed URLs').inputValue(), '');
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  const row = rowOf(page, 'Website (edited)');
  await waitForText(row.locator('td.urls'), 'Any URL');
  await waitForText(details(), 'Any URL: no restriction.');
  assert.doesNotMatch(await details().innerText(), /example\.com/);
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
  created.tk = await result.locator('.token-value').innerText();
  assert.match(created.tk, /^tk\./);
  const timer = result.getByRole('timer');
  const first = await timer.innerText();
  assert.match(first, /^Expires in [45]:\d\d$/);
  await page.waitForFunction((before) => document.querySelector('#temporary-result [role="timer"]').textContent !== before, first, WAIT);
  assert.match(await timer.innerText(), /^Expires in 4:\d\d$/);
  await screenshot(page, '05-temporary-token');
});

test('check a token: pasted text lists every token in it with its decode, and the API’s verdict on request', async () => {
  const form = page.locator('#check-form');
  const result = page.locator('#check-result');
  const text = [
    '# config.env',
    `MAPBOX_PUBLIC_TOKEN=${created.pk}`,
    `2026-11-28T10:00:00Z GET /styles?access_token=${created.sk} 200`,
    `temporary: "${created.tk}"`,
    'not one: pk.notatoken and sk.eyJ1IjoiZGVtbyJ9 (no signature)',
  ].join('\n');
  await form.getByLabel('Token, or text with tokens in it').fill(text);
  await waitForText(page.locator('#check-status'), 'Found 3 tokens in the text.');
  const found = result.locator('li.found');
  assert.equal(await found.count(), 3);
  const heads = await found.locator('h3').allInnerTexts();
  const lines = text.split('\n');
  [[created.pk, 1], [created.sk, 2], [created.tk, 3]].forEach(([token, line], i) => {
    assert.match(heads[i], new RegExp(`^${token.slice(0, 2)}\\.\\S+… line ${line + 1}, column ${lines[line].indexOf(token) + 1}$`));
  });
  const decodedPk = await found.nth(0).locator('.decoded').innerText();
  assert.match(decodedPk, /Usage\s+Public \(pk\)/);
  assert.match(decodedPk, new RegExp(`Account\\s+${dashboard.username}`));
  assert.match(decodedPk, new RegExp(`Id\\s+${created.pkId}`));
  assert.match(decodedPk, /Expires\s+Never/);
  assert.match(await found.nth(2).locator('.decoded').innerText(), /Usage\s+Temporary \(tk\)[\s\S]*Scopes\s+styles:read/);
  // Listed by their first characters only (the temporary token is still shown where it was made).
  await assertNoSecretShown(page, created.sk);
  assert.doesNotMatch(await result.innerText(), new RegExp(`${created.pk}|${created.tk}`));

  // One token on request, then all of them.
  await found.nth(1).getByRole('button', { name: /^Ask the API/ }).click();
  await waitForText(found.nth(1).locator('.verdict'), 'TokenValid: The token is valid.');
  await form.getByRole('button', { name: 'Check with the API' }).click();
  await waitForText(page.locator('#check-status'), 'The API answered for 3 tokens.');
  assert.deepEqual(await found.locator('.verdict strong').allInnerTexts(), ['TokenValid', 'TokenValid', 'TokenValid']);
  await screenshot(page, '06-check-text');
  await audit(page, 'check a token');

  // A lone word that is no token is still put to the API, and its decode says why it is not one.
  await form.getByLabel('Token, or text with tokens in it').fill('garbage');
  await form.getByRole('button', { name: 'Check with the API' }).click();
  await waitForText(result.locator('.verdict'), 'TokenMalformed');
  assert.match(await result.locator('.verdict').innerText(), /TokenMalformed: The token is malformed/);
  assert.match(await result.locator('.decoded').innerText(), /The token is malformed: a token has three parts separated by dots\./);
});

test('pages through more tokens than one page holds with "Load more"', async () => {
  await hook(dashboard, 'POST', 'seed', { count: 23 });
  const total = (await apiTokens(dashboard)).length;
  assert.equal(total, 27);
  await page.getByRole('button', { name: 'Refresh' }).click();
  await waitForText(tableCount(), '25 tokens loaded. More tokens can be loaded.');
  assert.equal(await rows(page).count(), 25);

  const more = page.getByRole('button', { name: 'Load more' });
  await more.click();
  await waitForText(tableCount(), `${total} tokens: that is all of them.`);
  assert.equal(await rows(page).count(), total);
  assert.ok(await more.isHidden());
  assert.ok(await page.getByRole('button', { name: 'Load all' }).isHidden());
  const ids = await rows(page).evaluateAll((trs) => trs.map((tr) => tr.dataset.id));
  assert.equal(new Set(ids).size, total, 'no token is listed twice');
  assert.ok(await page.evaluate(() => document.activeElement.matches('#token-table tbody tr')), 'focus lands on the first token loaded');
  await screenshot(page, '07-paged-table');
});

test('filters the table by usage and default', async () => {
  await page.getByLabel('Usage', { exact: true }).selectOption('sk');
  await waitForText(tableCount(), '2 tokens: that is all of them.');
  assert.deepEqual(await rows(page).evaluateAll((trs) => trs.map((tr) => tr.dataset.usage)), ['sk', 'sk']);
  await page.getByLabel('Usage', { exact: true }).selectOption('');
  await page.getByLabel('Default token').selectOption('true');
  await waitForText(tableCount(), '1 token: that is all of them.');
  assert.deepEqual(await shownNotes(page), ['Default public token']);
  await page.getByLabel('Default token').selectOption('');
  await page.getByLabel('Per page').selectOption('100');
  await waitForText(tableCount(), '27 tokens: that is all of them.');
});

test('search filters the loaded tokens by note, id, scope and allowed URL as you type', async () => {
  const search = page.getByLabel('Search', { exact: true });
  await search.fill('website');
  await waitForText(tableCount(), '1 of 27 loaded tokens matches “website”.');
  assert.deepEqual(await shownNotes(page), ['Website (edited)']);
  await search.fill(created.pkId.slice(3, 15));
  assert.deepEqual(await shownNotes(page), ['Website (edited)']);
  await search.fill('tokens:read');
  assert.deepEqual(await shownNotes(page), ['Emulator admin token', 'Server (secret)']);
  await search.fill('seeded token 2');
  assert.deepEqual(await shownNotes(page), ['Seeded token 2', 'Seeded token 20', 'Seeded token 21', 'Seeded token 22', 'Seeded token 23']);
  await search.fill('nothing like this');
  await waitForText(page.locator('#table-empty'), 'No loaded token matches the search.');
  assert.equal(await rows(page).count(), 0);
  await search.fill('');
  assert.equal(await rows(page).count(), 27);
});

test('sorts by note, created and modified from the column headers', async () => {
  const header = (name) => page.getByRole('columnheader', { name: new RegExp(`^${name}`) });
  await header('Note').getByRole('button').click();
  assert.equal(await header('Note').getAttribute('aria-sort'), 'ascending');
  assert.equal(await header('Created').getAttribute('aria-sort'), null);
  const ascending = await shownNotes(page);
  assert.deepEqual(ascending.slice(0, 4), ['Default public token', 'Emulator admin token', 'Seeded token 1', 'Seeded token 2']);
  assert.deepEqual(ascending.slice(-3), ['Seeded token 23', 'Server (secret)', 'Website (edited)']);
  await header('Note').getByRole('button').click();
  assert.equal(await header('Note').getAttribute('aria-sort'), 'descending');
  assert.deepEqual(await shownNotes(page), [...ascending].reverse());

  // The dates of a column, in the order shown.
  const dates = (column) => rows(page).evaluateAll((trs, i) => trs.map((tr) => tr.cells[i].querySelector('time').dateTime), column);
  const ordered = (list) => list.every((value, i) => i === 0 || list[i - 1] <= value);
  await header('Modified').getByRole('button').click();
  assert.equal(await header('Modified').getAttribute('aria-sort'), 'ascending');
  const modified = await dates(6);
  assert.ok(ordered(modified) && modified[0] < modified.at(-1), 'oldest change first');
  await header('Modified').getByRole('button').click();
  assert.equal(await header('Modified').getAttribute('aria-sort'), 'descending');
  assert.deepEqual(await dates(6), [...modified].reverse());

  await header('Created').getByRole('button').click();
  assert.equal(await header('Created').getAttribute('aria-sort'), 'ascending');
  assert.ok(ordered(await dates(5)));
  assert.deepEqual((await shownNotes(page)).slice(2, 4), ['Website (edited)', 'Server (secret)']);
});

test('deletes a token only after a confirmation naming it', async () => {
  const row = rowOf(page, 'Website (edited)');
  await row.click();
  const confirm = page.locator('#confirm-dialog');
  await details().getByRole('button', { name: 'Delete', exact: true }).click();
  await confirm.waitFor(WAIT);
  const question = await confirm.locator('#confirm-text').innerText();
  assert.ok(question.includes('“Website (edited)”') && question.includes(created.pkId), question);
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Cancel', 'the safe answer has the focus');
  await screenshot(page, '08-delete-confirmation');
  await audit(page, 'delete confirmation');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  assert.ok(await confirm.isHidden());
  assert.ok(await row.isVisible(), 'cancel keeps the token');

  await details().getByRole('button', { name: 'Delete', exact: true }).click();
  await confirm.getByRole('button', { name: 'Delete token' }).click();
  await waitForText(listStatus(), `Deleted the token “Website (edited)” (${created.pkId}).`);
  assert.equal(await row.count(), 0);
  await page.waitForFunction(() => document.getElementById('details-heading').textContent === 'Details', null, WAIT);
  assert.ok(await page.evaluate(() => document.activeElement.matches('#token-table tbody tr')), 'focus is back in the table');
  assert.ok(!(await apiTokens(dashboard)).some((t) => t.id === created.pkId));

  await page.getByLabel('Token, or text with tokens in it').fill(created.pk);
  await page.getByRole('button', { name: 'Check with the API' }).click();
  await waitForText(page.locator('#check-result'), 'TokenRevoked');
});

test('an API failure injected through the emulator is shown as a plain sentence', async () => {
  // Three 503s: the first attempt and both retries of the GET.
  await hook(dashboard, 'POST', 'faults', { method: 'GET', path: '/tokens/v2/', count: 3, fault: { type: 'status', status: 503 } });
  await page.getByRole('button', { name: 'Refresh' }).click();
  await waitForText(listStatus(), 'answered 503');
  const sentence = await listStatus().innerText();
  assert.match(sentence, /^listTokens failed: the API answered 503 "Service Unavailable"\. .*try again later\.$/);
  assert.doesNotMatch(sentence, /[{}]/, 'no raw JSON');
  await screenshot(page, '09-error-503');

  await hook(dashboard, 'POST', 'faults', { method: 'POST', path: '/tokens/v2/', fault: { type: 'status', status: 500 } });
  const form = page.locator('#create-form');
  await tick('styles:read', form);
  await form.getByRole('button', { name: 'Create token' }).click();
  await waitForText(page.locator('#create-status'), 'answered 500');
  assert.doesNotMatch(await page.locator('#create-status').innerText(), /[{}]/);
  await assertNoSecretShown(page, dashboard.adminToken, created.sk);
  await hook(dashboard, 'DELETE', 'faults');
});

test('connecting with a token that lacks the scopes says so, without showing it', async () => {
  const { token } = await hook(dashboard, 'POST', 'tokens', { scopes: ['styles:read'], usage: 'sk' });
  await page.getByRole('button', { name: 'Disconnect' }).click();
  await waitForText(page.locator('#connect-status'), 'Disconnected.');
  assert.ok(await page.locator('#tokens').isHidden());
  assert.equal(await rows(page).count(), 0, 'no token stays in the page');
  assert.equal(await page.getByLabel('Access token').inputValue(), '');

  await page.getByLabel('Access token').fill(token);
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await waitForText(page.locator('#connect-status'), 'lack the tokens:read scope');
  assert.match(await page.locator('#connect-status').innerText(), /^listTokens failed: the API answered 404 "Not Found"\./);
  assert.ok(await page.locator('#tokens').isHidden());
  await screenshot(page, '10-error-missing-scope');
  await assertNoSecretShown(page, token, dashboard.adminToken, created.sk);
});

test('connects through the form, and remembers the token for the tab only when asked', async () => {
  await page.getByLabel('Access token').fill(dashboard.adminToken);
  await page.getByLabel('Remember the token for this tab').check();
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await waitForText(page.locator('#connect-status'), `Connected to ${dashboard.username} at`);
  assert.equal(await page.evaluate(() => sessionStorage.length), 1);
  await assertNoSecretShown(page, dashboard.adminToken, created.sk);

  await page.reload();
  await waitForText(page.locator('#connect-status'), `Connected to ${dashboard.username} at`);
  await page.getByRole('button', { name: 'Change' }).click();
  assert.ok(await page.getByLabel('Remember the token for this tab').isChecked());
  await page.getByLabel('Remember the token for this tab').uncheck();
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
});

test('is usable by keyboard: labelled controls, Tab and arrows reach rows, Enter opens, Escape closes and focus returns', async () => {
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea')]
      .filter((el) => el.labels.length === 0 && !el.getAttribute('aria-label'))
      .map((el) => el.id || el.outerHTML));
  assert.deepEqual(unlabelled, []);

  // Tab from the controls above the table lands on one row (not on every row or checkbox):
  // past the sortable headers, the row that was last active.
  await rows(page).first().waitFor(WAIT);
  await page.getByLabel('Select all shown').focus();
  const focusedIsRow = () => page.evaluate(() => document.activeElement.matches('#token-table tbody tr'));
  for (let i = 0; i < 6 && !(await focusedIsRow()); i++) await page.keyboard.press('Tab');
  assert.ok(await focusedIsRow(), 'Tab reaches the rows');
  await page.keyboard.press('Tab');
  assert.ok(!(await focusedIsRow()), 'one more Tab leaves the table');
  await page.keyboard.press('Shift+Tab');
  assert.ok(await focusedIsRow());
  const firstNote = await page.evaluate(() => document.activeElement.querySelector('.note-text').textContent);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  const third = (await shownNotes(page))[2];
  assert.equal(await page.evaluate(() => document.activeElement.querySelector('.note-text').textContent), third);
  await page.keyboard.press('Home');
  assert.equal(await page.evaluate(() => document.activeElement.querySelector('.note-text').textContent), firstNote);
  await page.keyboard.press('Space');
  await waitForText(page.locator('#selection-count'), '1 token selected.');
  await page.keyboard.press('Space');
  await waitForText(page.locator('#selection-count'), 'No token selected.');

  await rowOf(page, 'Server (secret)').focus();
  await page.keyboard.press('Enter');
  await waitForText(details().locator('#details-heading'), 'Details of “Server (secret)”');
  await page.keyboard.press('Tab');
  const edit = details().getByRole('button', { name: 'Edit', exact: true });
  for (let i = 0; i < 6 && !(await edit.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  assert.ok(await edit.evaluate((el) => el === document.activeElement), 'Tab reaches Edit');
  await page.keyboard.press('Enter');
  await page.locator('#edit-dialog').waitFor(WAIT);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'edit-note');
  await page.keyboard.press('Escape');
  assert.ok(await page.locator('#edit-dialog').isHidden());
  assert.ok(await edit.evaluate((el) => el === document.activeElement), 'focus is back on the Edit button');
  await page.keyboard.press('Escape');
  assert.equal(await page.evaluate(() => document.activeElement.querySelector?.('.note-text')?.textContent), 'Server (secret)', 'Escape leaves the details for the row');

  // The check form submits with Ctrl+Enter from its text area.
  await page.getByLabel('Token, or text with tokens in it').focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.type('not.a.token');
  await page.keyboard.press('Control+Enter');
  await waitForText(page.locator('#check-result'), 'TokenMalformed');
});

test('at 360 px the rows stack into labelled blocks and nothing scrolls sideways', async () => {
  await page.setViewportSize({ width: 360, height: 800 });
  await page.getByRole('button', { name: 'Filters' }).click();
  await page.getByLabel('Per page').selectOption('25');
  await waitForText(tableCount(), '25 tokens loaded.');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0);
  const block = await rows(page).first().evaluate((tr) => ({
    display: getComputedStyle(tr).display,
    labels: [...tr.querySelectorAll('td[data-label]')].map((td) => getComputedStyle(td, '::before').content),
    header: getComputedStyle(document.querySelector('#token-table thead th:nth-child(3)')).display,
  }));
  assert.equal(block.display, 'block');
  assert.deepEqual(block.labels, ['"Usage"', '"Scopes"', '"URL restriction"', '"Created"', '"Modified"']);
  assert.equal(block.header, 'none', 'the column headers give way to the labels');
  assert.ok(await page.getByRole('button', { name: 'Note' }).isVisible(), 'sorting stays available');
  await rows(page).first().evaluate((tr) => tr.scrollIntoView());
  await screenshot(page, '11-narrow-360px', { fullPage: false });
  await audit(page, '360 px');
  await page.setViewportSize({ width: 1280, height: 900 });
});

test('hosted without /config.json, the page waits for a token and defaults to https://api.mapbox.com', async () => {
  const elsewhere = await run.browser.newPage();
  try {
    await elsewhere.route('**/config.json', (route) => route.fulfill({ status: 404, body: 'Not found' }));
    await elsewhere.goto(dashboard.url);
    await elsewhere.waitForFunction(() => !document.getElementById('connect-button').disabled, null, WAIT);
    assert.equal(await elsewhere.getByLabel('API origin').inputValue(), 'https://api.mapbox.com');
    assert.equal(await elsewhere.getByLabel('Access token').inputValue(), '');
    assert.ok(await elsewhere.locator('#local-note').isHidden());
    assert.ok(await elsewhere.locator('#tokens').isHidden());
    assert.ok(await elsewhere.locator('#review').isHidden());
    await elsewhere.getByRole('button', { name: 'Connect', exact: true }).click();
    await waitForText(elsewhere.locator('#connect-status'), 'Enter an access token.');
    await audit(elsewhere, 'not connected');
  } finally {
    await elsewhere.close();
  }
});

test('nothing but failed requests reached the console, and no token reached it nor a URL of the dashboard', () => {
  assertCleanConsole(run, dashboard.adminToken, created.sk, created.pk, created.tk);
});
