// The web UI against hostile data and hostile sites, in headless Chromium:
// an event full of HTML and script renders as text and fires no dialog;
// a form posted from another site is refused (403); a member is refused
// the admin pages (403). One JSON line per step; non-zero exit on a
// failed check.
//
//   node web_security.mjs <base> <admin email> <admin pw> <member email> <member pw> <issue id> <project id> <attacker url> <chromium>
import { launch, check, step, signIn } from './web_common.mjs';

const [base, adminEmail, adminPw, memberEmail, memberPw, issueID, projectID, attacker, exe] = process.argv.slice(2);
const payloads = ['<img src=x onerror=alert(1)>', '"><script>alert(2)</script>'];
const browser = await launch(exe);
try {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  let dialogs = 0;
  page.on('dialog', async (d) => { dialogs++; await d.dismiss(); });
  await signIn(page, base, adminEmail, adminPw);

  for (const path of [`/issues/${issueID}`, `/projects/${projectID}/issues`]) {
    const resp = await page.goto(base + path);
    check(resp.status() === 200, `${path}: status ${resp.status()}`);
    await page.waitForTimeout(300);
    const text = await page.locator('main').innerText();
    check(text.includes(payloads[0]), `${path} shows the img payload as text`);
    const injected = await page.evaluate(() => ({
      imgs: document.querySelectorAll('img').length,
      scripts: document.scripts.length,
    }));
    check(injected.imgs === 0 && injected.scripts === 0, `${path}: payload became markup: ${JSON.stringify(injected)}`);
    step('rendered-as-text', { path });
  }
  const detail = await page.goto(base + `/issues/${issueID}`);
  const text = await page.locator('main').innerText();
  for (const want of ['frame_<img src=x onerror=alert(1)>', 'crumb "><script>alert(2)</script>', 'tag <img src=x onerror=alert(1)>', 'user "><script>alert(2)</script>@example.com']) {
    check(text.includes(want), `the issue page shows ${want} as text`);
  }
  check(dialogs === 0, `dialogs fired: ${dialogs}`);
  step('no-dialog');

  // A page on another site posts the resolve form: Chromium sends it
  // (without the SameSite=Lax cookie), and the server refuses it.
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith(`/issues/${issueID}/status`)),
    page.goto(attacker),
  ]);
  check(resp.status() === 403, `cross-site POST answered ${resp.status()}`);
  step('cross-site-refused', { status: resp.status() });

  const mctx = await browser.newContext();
  const mpage = await mctx.newPage();
  await signIn(mpage, base, memberEmail, memberPw);
  const r = await mpage.goto(base + `/projects/${projectID}/settings`);
  check(r.status() === 403, `member on settings: ${r.status()}`);
  await mpage.goto(base + '/projects');
  check((await mpage.getByRole('button', { name: 'Create project' }).count()) === 0, 'a member is not offered project creation');
  step('member-refused', { status: r.status() });
} finally {
  await browser.close();
}
