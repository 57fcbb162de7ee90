// Package browsertest finds the headless Chromium the real-browser tests
// drive (security: the article's cookie claims; report: the HTML page
// opened from disk), and skips a test with the reason when there is none,
// so a machine without a browser still runs every other test.
package browsertest

import (
	"os"
	"os/exec"
	"testing"
)

// EnvChromium names a Chromium binary to use instead of searching.
const EnvChromium = "AUTHBENCH_CHROMIUM"

// Chromium returns the path of the browser, or skips tb saying why: no
// binary on the PATH (chromium, chromium-browser) nor at Debian's
// /usr/lib/chromium/chromium, or an $AUTHBENCH_CHROMIUM that does not exist.
func Chromium(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv(EnvChromium); p != "" {
		if _, err := os.Stat(p); err != nil {
			tb.Skipf("browser test skipped: %s=%s: %v", EnvChromium, p, err)
		}
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/lib/chromium/chromium"); err == nil {
		return "/usr/lib/chromium/chromium"
	}
	tb.Skipf("browser test skipped: no Chromium found (looked for chromium and chromium-browser on PATH and /usr/lib/chromium/chromium; install Debian's chromium package or set %s)", EnvChromium)
	return ""
}
