// Sends three different errors to a DSN with the official @sentry/node SDK,
// unchanged, for the web UI test (itest/web_test.go), and prints one JSON
// line per event the SDK reports as sent: {"event_id", "status", "case"}.
//
//   node web_send.mjs <dsn>
import * as Sentry from '@sentry/node';

const dsn = process.argv[2];
const sent = [];
Sentry.init({ dsn, release: 'shop@2.4.1', environment: 'production', tracesSampleRate: 0 });
Sentry.getClient().on('afterSendEvent', (event, response) => {
  sent.push({ event_id: event.event_id, status: response?.statusCode ?? 0, case: event.tags?.case ?? '' });
});

function checkoutOrder(order) {
  return order.total.amount; // TypeError: order.total is undefined
}
function parseQuantity(q) {
  throw new RangeError(`quantity ${q} out of range`);
}
function loadInventory() {
  throw new SyntaxError('inventory feed is not JSON');
}

Sentry.addBreadcrumb({ category: 'cart', message: 'cart loaded with 3 items', level: 'info' });
try { checkoutOrder({}); } catch (e) {
  Sentry.withScope((s) => {
    s.setTag('case', 'checkout'); s.setTag('tenant', 'acme');
    s.setUser({ id: '42', email: 'buyer@example.com' });
    Sentry.captureException(e);
  });
}
try { parseQuantity(-1); } catch (e) { Sentry.withScope((s) => { s.setTag('case', 'quantity'); Sentry.captureException(e); }); }
try { loadInventory(); } catch (e) { Sentry.withScope((s) => { s.setTag('case', 'inventory'); Sentry.captureException(e); }); }

await Sentry.flush(10000);
for (const s of sent) console.log(JSON.stringify(s));
