// Package httpclient gives notifier plugins an HTTP client that is safe to
// point at user-supplied URLs, and the host's rules for classifying HTTP
// outcomes.
//
// Outbound safety: unless the host allows private networks (the reserved
// config key allow_private_networks, set from Periscope's
// notify.allow_private_networks), the client refuses to connect to
// loopback, private, link-local, unspecified, multicast and other special
// addresses. The check runs in net.Dialer.Control on the IP address
// actually being dialed, after DNS resolution, so a name that resolves (or
// re-resolves, DNS rebinding) to an internal address is refused too.
// Redirects are not followed and environment proxies are not used, so
// neither can route around the check.
//
// Classification (Send): any 2xx is success; 429 and 5xx are retryable
// (honouring Retry-After); every other status is permanent; network errors
// are retryable except a refused address, which is permanent. Errors never
// carry the request URL's path or query, where webhook secrets live.
package httpclient
