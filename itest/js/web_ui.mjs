// The web UI as a person uses it, in headless Chromium: sign in, create a
// project, send errors with @sentry/node to the DSN the page shows, find
// the issue, read it, resolve it, merge two others, sign out. Prints one
// JSON line per step; exits non-zero on the first failed check.
//
//   node web_ui.mjs <base url> <email> <password> <chromium> [screenshot dir]
import { execFileSync } from 'node:child_process';
import { launch, check, step, signIn, axeCheck } from './web_common.mjs';

const [base, email, password, exe, shots] = process.argv.slice(2);
const browser = await launch(exe);
try {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  let dialogs = 0;
  page.on('dialog', async (d) => { dialogs++; await d.dismiss(); });

  await axeCheck(browser, undefined, base + '/signin', 'sign-in');
  await signIn(page, base, email, password);
  check(new URL(page.url()).pathname === '/projects', 'after sign-in: ' + page.url());
  step('signed-in');

  await page.getByLabel('Name').fill('shop');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('link', { name: 'shop' }).waitFor();
  const dsn = await page.getByLabel('DSN of shop').inputValue();
  check(/^http:\/\/[0-9a-f]{32}@/.test(dsn), 'DSN shown: ' + dsn);
  step('project-created', { dsn });

  const out = execFileSync('node', ['web_send.mjs', dsn], { encoding: 'utf8' });
  const sent = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  check(sent.length === 3 && sent.every((s) => s.status === 200), 'sent: ' + out);
  step('sent', { events: sent.length });

  await page.getByRole('link', { name: 'shop' }).click();
  const listURL = page.url();
  const title = /order\.total|reading 'amount'/;
  for (let i = 0; i < 150 && (await page.getByRole('link', { name: title }).count()) === 0; i++) {
    await page.waitForTimeout(200);
    await page.reload();
  }
  check((await page.getByRole('link', { name: title }).count()) === 1, 'the checkout TypeError is listed');
  for (let i = 0; i < 150 && (await page.getByRole('checkbox').count()) < 3; i++) {
    await page.waitForTimeout(200);
    await page.reload();
  }
  check((await page.getByRole('checkbox').count()) === 3, 'three issues listed');
  step('issue-listed');
  const state = await ctx.storageState();
  await axeCheck(browser, state, listURL, 'issue list');
  if (shots) await page.screenshot({ path: shots + '/issue-list.png', fullPage: true });

  await page.getByRole('link', { name: title }).click();
  await page.getByRole('heading', { name: 'Why it is in this issue' }).waitFor();
  const issueURL = page.url();
  const main = await page.locator('main').innerText();
  for (const want of ['TypeError', "reading 'amount'", 'checkoutOrder', 'cart loaded with 3 items', 'tenant', 'acme', 'buyer@example.com', 'production', 'shop@2.4.1', 'default grouping']) {
    check(main.includes(want), `the issue page shows ${want}:\n${main}`);
  }
  // Why it is in this issue: the layer that decided, the components that
  // went into the hash and, greyed with the reason, those that did not
  // (the Node.js internals frames are not in-app).
  const why = page.getByRole('region', { name: 'Why it is in this issue' });
  const whyText = await why.innerText();
  check(/Default grouping\s+decided/.test(whyText) && whyText.includes('no rule matched'), 'the layers of grouping are shown:\n' + whyText);
  const ignored = why.getByText(/^non-contributing: /).first();
  const contributing = why.getByText('contributes', { exact: true }).first();
  check((await ignored.count()) === 1 && (await contributing.count()) === 1, 'contributing and non-contributing components are shown:\n' + whyText);
  const color = async (l) => l.evaluate((el) => getComputedStyle(el.closest('li')).color);
  check((await color(ignored)) !== (await color(contributing)), 'non-contributing components look different');
  step('issue-read', { url: issueURL });
  await axeCheck(browser, state, issueURL, 'issue detail');
  if (shots) await page.screenshot({ path: shots + '/issue-detail.png', fullPage: true, clip: { x: 0, y: 0, width: 1280, height: 1600 } });

  await page.getByRole('button', { name: 'Resolve' }).click();
  await page.getByRole('button', { name: 'Unresolve' }).waitFor();
  check((await page.locator('main').innerText()).includes('resolve'), 'activity lists the resolve');
  step('resolved', { issue: new URL(issueURL).pathname });

  await page.goto(listURL);
  check((await page.getByRole('link', { name: title }).count()) === 0, 'the resolved issue is gone from the unresolved list');
  await page.getByLabel('Status').selectOption('resolved');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/status=resolved/);
  check((await page.getByRole('link', { name: title }).count()) === 1, 'the issue is under the resolved filter');
  step('found-resolved');

  await page.goto(listURL);
  const boxes = page.getByRole('checkbox');
  check((await boxes.count()) === 2, 'two unresolved issues left');
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  await page.getByRole('button', { name: 'Merge' }).click();
  await page.getByRole('status').waitFor();
  check((await page.getByRole('status').innerText()).includes('Merged 2 issues'), 'merge notice');
  check((await page.getByRole('checkbox').count()) === 1, 'one issue left after the merge');
  step('merged');

  await page.getByRole('link', { name: 'Grouping rules' }).click();
  await page.getByLabel('Project').selectOption({ label: 'shop' });
  await page.getByLabel('New rules (YAML)').fill("rules:\n  - name: all-one\n    when: 'true'\n    fingerprint: ['\"all\"']\n");
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByRole('heading', { name: 'What would change' }).waitFor();
  const report = await page.locator('main').innerText();
  check(report.includes('0 issues would split') && report.includes('1 groups would merge issues'), 'rules preview: ' + report);
  step('rules-preview');

  const settingsURL = listURL.replace(/\/issues.*$/, '/settings');
  await page.goto(settingsURL);
  check((await page.getByLabel('DSN of the first active key').inputValue()) === dsn, 'settings show the DSN');
  await axeCheck(browser, state, settingsURL, 'settings');
  step('settings');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/signin/);
  const resp = await page.goto(issueURL);
  check(new URL(page.url()).pathname === '/signin', 'after sign-out the issue page sends to sign-in: ' + page.url());
  check(!(await page.locator('main').innerText()).includes('checkoutOrder'), 'nothing of the issue is shown after sign-out');
  step('signed-out', { status: resp.status() });
  check(dialogs === 0, 'no dialog opened');
} finally {
  await browser.close();
}
