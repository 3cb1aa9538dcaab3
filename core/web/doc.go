// Package web is Periscope's browser UI: server-rendered pages over the
// same service layer as the admin API (core/service), never over HTTP to
// it. Templates, the stylesheet and the one script are embedded
// (templates/, static/). No page needs JavaScript: static/app.js only
// reveals copy buttons (settings), and the Content-Security-Policy allows
// no inline script.
//
// People sign in with email and password (bcrypt, see service.Authenticate).
// Sessions are Fiber's session middleware over the database (session.go):
// the cookie holds a random token, the web_sessions table its sha256, so
// sessions survive a restart and are shared by every node of one Postgres.
// Each session carries its CSRF token; every POST must send it back in the
// _csrf form field and must not come from another site (Sec-Fetch-Site,
// Origin), else 403 and nothing changes (csrf.go). Wrong passwords are
// slowed down by Fiber's limiter, per account and per address
// (signin.go).
//
// One file per page or action; routes.go lists them all.
package web
