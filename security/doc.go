// Package security holds the suite's security tests; it has no non-test
// code.
//
// The tests attack the real handler set (package server) with every
// backend, and assert on what the server received and answered:
//
//   - browser_test.go drives headless Chromium against the demo page over
//     HTTPS, with app.test and evil.test mapped to loopback, and checks
//     the article's cookie claims where they are enforced, in the browser:
//     HttpOnly keeps the tokens from script, SameSite=Strict keeps them off
//     cross-site form posts, fetches and navigations, Secure keeps them
//     off plain HTTP, and the page's refresh loop keeps a user signed in
//     across access-token expiries. Control cookies without those
//     attributes show each check can fail. The test skips, saying why,
//     where no Chromium is installed.
//   - attacks_test.go is the catalogue of token and session attacks from
//     RFC 8725 and the OWASP JWT and session cheat sheets that the
//     backend packages' own tests do not already cover, each sent through
//     the handler set and expected to get its documented 4xx, never a 5xx.
//
// SECURITY.md at the repository root maps each defended threat to the
// tests that check it.
package security
