// Package server is the handler set every backend is served through.
//
// The routes, request and response bodies, status codes and cookie rules
// are identical whatever the backend, so a load test of "jwt" and of
// "session" differs only in the authentication work done:
//
//	POST /auth/login          {"username":"…","password":"…"} → 200 {"user":"…"} + cookies
//	GET  /api/me              → 200 {"user":"…"}
//	POST /auth/refresh        → 200 {"user":"…"} + renewed cookies
//	POST /auth/logout         → 204, cookies cleared
//	POST /admin/revoke-user   {"user":"…"} with "Authorization: Bearer <admin token>" → 204
//	GET  /healthz             → 200 {"status":"ok","backend":"…"}
//	GET  /info                → 200 the backend's authbench.Info {"name":"…","stateful":…,"logout":"…","revoke_user":"…"}, with the registry's bounds, store, colour and marker when served by "authbench serve"
//	GET  /                    → the demo page (HTML, strict CSP; see Config.RefreshInterval)
//
// Every error is a JSON object {"error":"…"} with a stable message (see the
// Msg constants). A missing, malformed, expired or revoked credential is
// always 401 with the same body, so a client learns nothing about why;
// a backend whose store is unreachable answers 503 and never lets the
// request through; bad input is a 4xx, never a 5xx.
//
// State-changing routes are POST only and wrapped in Go's
// http.CrossOriginProtection: a request whose Sec-Fetch-Site or Origin
// header says it comes from another site is refused with 403 before any
// handler runs. This is defence in depth behind SameSite=Strict cookies.
package server
