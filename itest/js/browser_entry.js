// Bundled by esbuild into the page the browser test loads: the official
// @sentry/browser SDK with its default integrations, nothing changed.
import * as Sentry from '@sentry/browser';

window.__sent = [];
window.Sentry = Sentry;
window.initSentry = (dsn) => {
  Sentry.init({ dsn, release: 'itest@1.0.0', environment: 'browser' });
  Sentry.getClient().on('afterSendEvent', (event, response) => {
    window.__sent.push({ event_id: event.event_id, status: response?.statusCode ?? 0, case: event.tags?.case ?? '' });
  });
};
