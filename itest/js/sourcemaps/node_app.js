// The Node build of the source map tests' app: the app bundled and
// minified by esbuild, @sentry/node left external (resolved through
// NODE_PATH). It captures the error checkout throws and prints one JSON
// line per event the SDK reports as sent.
//
//   node app.min.js <dsn> <release>
const Sentry = require('@sentry/node');
const { checkout } = require('./src/checkout.js');

const [dsn, release] = process.argv.slice(2);
const sent = [];
Sentry.init({ dsn, release, environment: 'sourcemaps', tracesSampleRate: 0 });
Sentry.getClient().on('afterSendEvent', (event, response) => {
  sent.push({ event_id: event.event_id, status: response?.statusCode ?? 0, case: event.tags?.case ?? '' });
});
try {
  checkout({ id: 8, lines: [] });
} catch (e) {
  Sentry.withScope((s) => { s.setTag('case', 'node-checkout'); Sentry.captureException(e); });
}
Sentry.flush(10000).then(() => {
  for (const s of sent) console.log(JSON.stringify(s));
});
