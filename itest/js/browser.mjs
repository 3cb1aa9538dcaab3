// Loads a page in headless Chromium (Debian's, driven by playwright-core)
// that initialises @sentry/browser with a DSN and throws an uncaught error,
// then prints one JSON line per event the SDK reports as sent.
//
//   node browser.mjs <page url> [chromium path]
import { chromium } from 'playwright-core';

const [pageURL, exe = '/usr/bin/chromium'] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: exe,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  page.on('console', (m) => console.error('page:', m.text()));
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(pageURL);
  await page.waitForFunction(() => window.__sent && window.__sent.length >= 2, null, { timeout: 20000 });
  const sent = await page.evaluate(() => window.__sent);
  for (const s of sent) console.log(JSON.stringify(s));
} finally {
  await browser.close();
}
