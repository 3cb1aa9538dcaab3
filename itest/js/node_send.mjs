// Sends a fixed set of errors and messages to a DSN with the official
// @sentry/node SDK, unchanged, and prints one JSON line per event the SDK
// reports as sent: {"event_id", "status", "case"}.
//
//   node node_send.mjs <dsn>
import * as Sentry from '@sentry/node';

const dsn = process.argv[2];
if (!dsn) {
  console.error('usage: node node_send.mjs <dsn>');
  process.exit(2);
}

const sent = [];
Sentry.init({
  dsn,
  release: 'itest@1.0.0',
  environment: 'itest',
  tracesSampleRate: 0,
  // Keep the default integrations: the SDK as users run it.
});
const client = Sentry.getClient();
client.on('afterSendEvent', (event, response) => {
  sent.push({ event_id: event.event_id, status: response?.statusCode ?? 0, case: event.tags?.case ?? '' });
});

function fail(n) {
  // The same line for every call: one group.
  throw new TypeError(`cannot read order ${n}`);
}
function failElsewhere(n) {
  throw new TypeError(`cannot read order ${n}`);
}

for (const n of [1, 2]) {
  try { fail(n); } catch (e) { Sentry.withScope((s) => { s.setTag('case', 'same-line'); Sentry.captureException(e); }); }
}
try { failElsewhere(3); } catch (e) { Sentry.withScope((s) => { s.setTag('case', 'other-line'); Sentry.captureException(e); }); }
for (const id of [17, 4242]) {
  Sentry.withScope((s) => { s.setTag('case', 'message-params'); s.setLevel('warning'); Sentry.captureMessage(`user ${id} logged in from 10.0.0.${id % 250}`); });
}
for (const tenant of ['acme', 'globex']) {
  try { fail(9); } catch (e) {
    Sentry.withScope((s) => { s.setTag('case', 'fingerprint-default'); s.setFingerprint(['{{ default }}', tenant]); Sentry.captureException(e); });
  }
}
// A large event, which @sentry/node gzips (bodies over 32 KiB).
Sentry.withScope((s) => {
  s.setTag('case', 'large');
  s.setExtra('blob', 'x'.repeat(200 * 1024));
  Sentry.captureException(new RangeError('large payload'));
});

await Sentry.flush(10000);
for (const s of sent) console.log(JSON.stringify(s));
