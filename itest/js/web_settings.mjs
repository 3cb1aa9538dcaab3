// Project settings in headless Chromium: the copy buttons put the DSN and
// a setup snippet on the clipboard (and without JavaScript the DSN is
// still there to select, with no dead button); an admin creates an API
// token, sees it once, uses it with the real sentry-cli, revokes it and
// sentry-cli is refused; the source maps sentry-cli uploaded are listed
// with their size. One JSON line per step; non-zero exit on a
// failed check.
//
//   node web_settings.mjs <base> <email> <password> <project id> <project slug> <chromium> <built app dir>
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, check, step, signIn, axeCheck } from './web_common.mjs';

const [base, email, password, projectID, slug, exe, appDir] = process.argv.slice(2);
const settings = `${base}/projects/${projectID}/settings`;

// sentryCLI runs the real sentry-cli with token and args.
function sentryCLI(token, ...args) {
  const r = spawnSync(join('node_modules', '.bin', 'sentry-cli'), args, {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: mkdtempSync(join(tmpdir(), 'cli-')), SENTRY_URL: base, SENTRY_AUTH_TOKEN: token,
      SENTRY_ORG: 'periscope', SENTRY_PROJECT: slug, SENTRY_DISABLE_UPDATE_CHECK: 'true', SENTRY_LOG_LEVEL: 'warn' },
  });
  return { code: r.status, out: (r.stdout || '') + (r.stderr || '') };
}

const browser = await launch(exe);
try {
  const ctx = await browser.newContext();
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  const page = await ctx.newPage();
  await signIn(page, base, email, password);
  await page.goto(settings);

  const dsn = await page.getByLabel('DSN of the first active key').inputValue();
  await page.getByRole('button', { name: 'Copy DSN' }).click();
  await page.getByText('Copied to the clipboard.').waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  check(copied === dsn && dsn.startsWith('http'), `clipboard ${JSON.stringify(copied)}, want the DSN ${dsn}`);
  step('dsn-copied');

  await page.getByText('Node.js', { exact: true }).click();
  await page.getByRole('button', { name: 'Copy Node.js snippet' }).click();
  const snippet = await page.evaluate(() => navigator.clipboard.readText());
  check(snippet.includes('require("@sentry/node")') && snippet.includes(dsn), 'clipboard holds the Node.js snippet: ' + snippet);
  step('snippet-copied');

  // Without JavaScript: the DSN is shown, and no button that cannot work.
  const state = await ctx.storageState();
  const nojs = await browser.newContext({ javaScriptEnabled: false, storageState: state });
  const np = await nojs.newPage();
  await np.goto(settings);
  check((await np.getByLabel('DSN of the first active key').inputValue()) === dsn, 'without JavaScript the DSN is shown');
  check((await np.getByRole('button', { name: 'Copy DSN' }).count()) === 0, 'without JavaScript no copy button is offered');
  await nojs.close();
  step('no-js');

  await page.getByLabel('Token name').fill('ci');
  await page.getByLabel('Scope').selectOption('project:releases');
  await page.getByRole('button', { name: 'Create token' }).click();
  const field = page.getByLabel('New token ci');
  await field.waitFor();
  const token = await field.inputValue();
  check(/^psc_[0-9a-f]{64}$/.test(token), 'a token is shown: ' + token);
  const row = page.getByRole('row', { name: /^ci\b/ });
  check((await row.innerText()).includes('project:releases') && (await row.innerText()).includes('active'), 'the token is listed: ' + await row.innerText());
  await axeCheck(browser, await ctx.storageState(), settings, 'settings with a token');
  step('token-created');

  // The scope project:releases lets sentry-cli upload source maps.
  const ok = sentryCLI(token, 'sourcemaps', 'upload', appDir);
  check(ok.code === 0, `sentry-cli sourcemaps upload with the new token: exit ${ok.code}\n${ok.out}`);
  step('token-works');

  await page.goto(settings);
  const maps = await page.getByRole('region', { name: 'Source maps' }).innerText();
  check(/1 bundle\(s\) uploaded by sentry-cli, [\d.]+ [KM]B in all/.test(maps) && maps.includes('1 minified, 1 source map(s)'), 'the uploaded bundle is listed:\n' + maps);
  step('bundle-listed');

  check(!(await page.content()).includes(token), 'the token is not shown again');
  await page.getByRole('button', { name: 'Revoke token ci' }).click();
  await page.getByText('Revoked the token').waitFor();
  check((await page.getByRole('row', { name: /^ci\b/ }).innerText()).includes('revoked'), 'the token is listed as revoked');
  const refused = sentryCLI(token, 'releases', 'new', 'web@1.0.1');
  check(refused.code !== 0 && refused.out.includes('invalid or revoked API token'), `sentry-cli with the revoked token: exit ${refused.code}\n${refused.out}`);
  step('token-revoked');
} finally {
  await browser.close();
}
