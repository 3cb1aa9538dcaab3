// Opens the source map tests' page in headless Chromium (playwright-core),
// starts the app with a DSN and release, makes it throw from its two
// functions, and prints one JSON line per event the SDK reports as sent.
//
//   node sourcemaps/browser.mjs <page url> <dsn> <release> <chromium path>
import { chromium } from 'playwright-core';

const [pageURL, dsn, release, exe = '/usr/bin/chromium'] = process.argv.slice(2);
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
  await page.evaluate(([d, r]) => window.startApp(d, r), [dsn, release]);
  await page.evaluate(() => window.runCheckout());
  await page.evaluate(() => window.runCart());
  await page.waitForFunction(() => window.__sent.length >= 2, null, { timeout: 20000 });
  const sent = await page.evaluate(() => window.__sent);
  for (const s of sent) console.log(JSON.stringify(s));
} finally {
  await browser.close();
}
