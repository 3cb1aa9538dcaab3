// Opens the source map tests' page in headless Chromium (playwright-core),
// starts the app with a DSN and release, makes it throw from its two
// functions, and prints one JSON line per event the SDK reports as sent.
//
//   node sourcemaps/browser.mjs <page url> <dsn> <release> <chromium path>
import { launch, printSent, watchPage } from '../web_common.mjs';

const [pageURL, dsn, release, exe] = process.argv.slice(2);
const browser = await launch(exe);
try {
  const page = await browser.newPage();
  watchPage(page);
  await page.goto(pageURL);
  await page.evaluate(([d, r]) => window.startApp(d, r), [dsn, release]);
  await page.evaluate(() => window.runCheckout());
  await page.evaluate(() => window.runCart());
  await printSent(page, 2);
} finally {
  await browser.close();
}
