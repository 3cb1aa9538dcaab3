// Helpers of the browser tests (web UI, @sentry/browser, source maps):
// launch Debian's Chromium through playwright-core, watch a page, print
// the events its SDK sent, sign in by label, run axe-core, fail with a
// message.
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const axePath = require.resolve('axe-core/axe.min.js');

export async function launch(exe) {
  return chromium.launch({
    executablePath: exe || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// watchPage copies what a page logs, and its uncaught errors, to stderr.
export function watchPage(page) {
  page.on('console', (m) => console.error('page:', m.text()));
  page.on('pageerror', (e) => console.error('page error:', e.message));
}

// printSent waits until the page's SDK reported n events as sent
// (window.__sent) and prints one JSON line per event.
export async function printSent(page, n) {
  await page.waitForFunction((n) => window.__sent && window.__sent.length >= n, n, { timeout: 20000 });
  const sent = await page.evaluate(() => window.__sent);
  for (const s of sent) console.log(JSON.stringify(s));
}

export function check(cond, msg) {
  if (!cond) throw new Error('check failed: ' + msg);
}

export function step(name, data = {}) {
  console.log(JSON.stringify({ step: name, ...data }));
}

// signIn fills the sign-in form as a person does and waits for the
// projects page.
export async function signIn(page, base, email, password) {
  await page.goto(base + '/signin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith('/signin')),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
}

// axeCheck loads url in a context that may inject axe-core (the pages'
// own CSP forbids inline script, so this context bypasses CSP) with the
// same cookies, and fails on any serious or critical violation.
export async function axeCheck(browser, storageState, url, what) {
  const ctx = await browser.newContext({ bypassCSP: true, storageState });
  try {
    const p = await ctx.newPage();
    await p.goto(url);
    await p.addScriptTag({ path: axePath });
    const res = await p.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
    const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    check(bad.length === 0, `axe on ${what}: ` + JSON.stringify(bad.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.html).slice(0, 3) }))));
    step('axe', { page: what, violations: res.violations.length });
  } finally {
    await ctx.close();
  }
}
