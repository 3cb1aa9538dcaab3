// Loads a page in headless Chromium (Debian's, driven by playwright-core)
// that initialises @sentry/browser with a DSN and throws an uncaught error,
// then prints one JSON line per event the SDK reports as sent.
//
//   node browser.mjs <page url> [chromium path]
import { launch, printSent, watchPage } from './web_common.mjs';

const [pageURL, exe] = process.argv.slice(2);
const browser = await launch(exe);
try {
  const page = await browser.newPage();
  watchPage(page);
  await page.goto(pageURL);
  await printSent(page, 2);
} finally {
  await browser.close();
}
