// The browser build of the source map tests' app: @sentry/browser and the
// app, bundled and minified by esbuild. The page calls startApp(dsn,
// release), then runCheckout() and runCart(); each captures the error its
// function throws. window.__sent holds what the SDK reports as sent.
import * as Sentry from '@sentry/browser';
import { checkout } from './src/checkout.js';
import { renderCart } from './src/cart.js';

window.__sent = [];
window.startApp = (dsn, release) => {
  Sentry.init({ dsn, release, environment: 'sourcemaps' });
  Sentry.getClient().on('afterSendEvent', (event, response) => {
    window.__sent.push({ event_id: event.event_id, status: response?.statusCode ?? 0, case: event.tags?.case ?? '' });
  });
};
window.runCheckout = () => {
  try {
    checkout({ id: 7, lines: [] });
  } catch (e) {
    Sentry.withScope((s) => { s.setTag('case', 'checkout'); Sentry.captureException(e); });
  }
};
window.runCart = () => {
  try {
    renderCart({ items: [] });
  } catch (e) {
    Sentry.withScope((s) => { s.setTag('case', 'cart'); Sentry.captureException(e); });
  }
};
