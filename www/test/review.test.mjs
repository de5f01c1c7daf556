// The security review: findings computed in the page from a seeded set of risky tokens, each a
// sentence with its action, the count in the navigation, and the actions that resolve them.
// Tokens "not modified for over a year" are minted while the emulator's clock runs 400 days
// behind (PUT /__emulator/clock), so their created and modified times really are that old.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WAIT, api, assertCleanConsole, audit, connectedPage, hook, openDashboard, screenshot, waitForText } from './helpers.mjs';

const DAY = 24 * 60 * 60 * 1000;
let run, dashboard, page;
const ids = {};

before(async () => {
  run = await openDashboard();
  ({ dashboard, page } = run);
  const mint = async (name, options) => {
    ids[name] = (await hook(dashboard, 'POST', 'tokens', options)).id;
  };
  // Made 400 days ago.
  await hook(dashboard, 'PUT', 'clock', { offset: -400 * DAY });
  await mint('legacy', { scopes: ['styles:read', 'styles:list'], note: 'Legacy server' });
  await mint('oldMap', { scopes: ['styles:read'], note: 'Old map' });
  await hook(dashboard, 'PUT', 'clock', { offset: 0 });
  // Made now.
  await mint('open', { scopes: ['styles:read', 'fonts:read'], note: 'Open map' });
  await mint('factory', { scopes: ['tokens:read', 'tokens:write'], usage: 'sk', note: 'Token factory' });
  await mint('safe', { scopes: ['styles:list'], note: 'Safe server' });
  await mint('nameless', { scopes: ['styles:list'], note: '' });
  ids.restricted = (await api(dashboard, 'POST', `/tokens/v2/${dashboard.username}`,
    { scopes: ['styles:read'], note: 'Restricted map', allowedUrls: ['https://maps.example'] })).id;
  await connectedPage(page, dashboard);
});
after(() => run?.close());

const review = () => page.locator('#review');
/** The findings shown: { kind → [the text of each] }. */
const findings = () => review().locator('.finding-group').evaluateAll((groups) =>
  Object.fromEntries(groups.map((g) => [g.dataset.kind, [...g.querySelectorAll('.finding-text')].map((el) => el.textContent)])));
const item = (kind, id) => review().locator(`.finding-group[data-kind="${kind}"] li[data-id="${id}"]`);

test('finds every risk in the seeded set, each in one sentence, and the navigation counts them', async () => {
  await waitForText(page.locator('#review-summary'), '8 findings in the 9 tokens of the account.');
  assert.match(await page.locator('#review-summary').innerText(), /Computed in this page: nothing is sent anywhere\./);
  assert.equal(await page.getByRole('navigation').getByRole('link', { name: /^Security review/ }).innerText(), 'Security review (8)');
  const shown = await findings();
  assert.deepEqual(Object.keys(shown), ['public-any-url', 'secret-tokens-write', 'stale', 'no-note', 'default-token']);
  assert.deepEqual(shown['public-any-url'], [
    '“Old map” is a public token that any website can use: add the URLs of your own sites to its allowed URLs.',
    '“Open map” is a public token that any website can use: add the URLs of your own sites to its allowed URLs.',
  ]);
  assert.deepEqual(shown['secret-tokens-write'], [
    '“Emulator admin token” holds tokens:write, so whoever has it can create more tokens: remove that scope unless it manages tokens (this page is connected with it).',
    '“Token factory” holds tokens:write, so whoever has it can create more tokens: remove that scope unless it manages tokens.',
  ]);
  assert.equal(shown.stale.length, 2);
  assert.match(shown.stale[0], /^“Legacy server” has not changed since \w{3} \d+, \d{4}: rotate it, or delete it if nothing uses it\.$/);
  assert.match(shown.stale[1], /^“Old map” has not changed since /);
  assert.deepEqual(shown['no-note'], [`The secret token ${ids.nameless} has no note: add one that says what uses it, so that it can be reviewed.`]);
  assert.equal(shown['default-token'].length, 1);
  assert.match(shown['default-token'][0], /^The default public token .* \(advice only\)\.$/);
  for (const safe of ['Safe server', 'Restricted map']) assert.doesNotMatch(await review().innerText(), new RegExp(safe));

  // Each finding has its action, named for the token; the advice has none.
  assert.equal(await item('public-any-url', ids.open).getByRole('button', { name: 'Edit “Open map”' }).count(), 1);
  assert.equal(await item('secret-tokens-write', ids.factory).getByRole('button', { name: 'Edit “Token factory”' }).count(), 1);
  assert.equal(await item('stale', ids.legacy).getByRole('button', { name: 'Rotate “Legacy server”' }).count(), 1);
  assert.equal(await item('stale', ids.legacy).getByRole('button', { name: 'Delete “Legacy server”' }).count(), 1);
  assert.equal(await review().locator('.finding-group[data-kind="default-token"] button').count(), 0);
  await review().scrollIntoViewIfNeeded();
  await screenshot(page, '50-security-review');
  await audit(page, 'security review');
});

test('Edit from a finding fixes it: the finding goes and the count drops', async () => {
  await item('public-any-url', ids.open).getByRole('button', { name: 'Edit “Open map”' }).click();
  const dialog = page.locator('#edit-dialog');
  await dialog.waitFor(WAIT);
  assert.equal(await dialog.getByLabel('Note').inputValue(), 'Open map');
  await dialog.getByLabel('Allowed URLs').fill('https://maps.example');
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await waitForText(page.locator('#review-summary'), '7 findings');
  assert.equal(await item('public-any-url', ids.open).count(), 0);
  assert.equal(await page.locator('#review-count').innerText(), '(7)');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'review-title', 'the keyboard stays in the review');

  // A note for the nameless token.
  await item('no-note', ids.nameless).getByRole('button', { name: /^Edit/ }).click();
  await dialog.getByLabel('Note').fill('Nightly export');
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await waitForText(page.locator('#review-summary'), '6 findings');
  assert.equal(await review().locator('.finding-group[data-kind="no-note"]').count(), 0);
});

test('Rotate from a finding replaces an old token with a fresh one', async () => {
  await item('stale', ids.legacy).getByRole('button', { name: 'Rotate “Legacy server”' }).click();
  const dialog = page.locator('#rotate-dialog');
  await dialog.waitFor(WAIT);
  await dialog.getByLabel('Delete the old token').check();
  await dialog.getByRole('button', { name: 'Rotate token' }).click();
  await waitForText(page.locator('#rotate-status'), 'Rotated “Legacy server”: the new token is ready and the old one is deleted.');
  await dialog.getByRole('button', { name: 'Done, hide the new token' }).click();
  await waitForText(page.locator('#review-summary'), '5 findings');
  assert.equal(await item('stale', ids.legacy).count(), 0);
  assert.deepEqual((await findings()).stale.map((t) => t.split(' has ')[0]), ['“Old map”']);
});

test('Delete from a finding removes the token after the confirmation', async () => {
  await item('stale', ids.oldMap).getByRole('button', { name: 'Delete “Old map”' }).click();
  const confirm = page.locator('#confirm-dialog');
  await confirm.waitFor(WAIT);
  assert.match(await confirm.locator('#confirm-text').innerText(), /“Old map”/);
  await confirm.getByRole('button', { name: 'Delete token' }).click();
  // Both of its findings go: no URL restriction, and not modified for a year.
  await waitForText(page.locator('#review-summary'), '3 findings');
  assert.equal(await review().locator(`li[data-id="${ids.oldMap}"]`).count(), 0);
  assert.equal(await page.locator('#review-count').innerText(), '(3)');
  assert.deepEqual(Object.keys(await findings()), ['secret-tokens-write', 'default-token']);
});

test('with more tokens than are loaded, the review says so and offers to load them all', async () => {
  await hook(dashboard, 'POST', 'seed', { count: 40 });
  await page.getByRole('button', { name: 'Refresh' }).click();
  await waitForText(page.locator('#review-summary'), 'in the 25 loaded tokens; load all tokens to review every one.');
  await review().getByRole('button', { name: 'Load all tokens' }).click();
  await waitForText(page.locator('#review-summary'), 'tokens of the account.');
  await waitForText(page.locator('#review-summary'), '43 findings'); // 40 more public tokens without URL restrictions
  const group = review().locator('.finding-group[data-kind="public-any-url"]');
  assert.equal(await group.locator('li').count(), 10, 'a long group shows its first ten');
  await group.getByRole('button', { name: 'Show all 40' }).click();
  assert.equal(await group.locator('li').count(), 40);
});

test('nothing reached the console', () => {
  assertCleanConsole(run, dashboard.adminToken);
});
