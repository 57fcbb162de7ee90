package report

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/authbench/authbench/results"
)

func TestCompareGolden(t *testing.T) {
	old, nw := copyRun(t, "rates"), copyRun(t, "rates-new")
	md, err := CompareDirs(old, nw)
	if err != nil {
		t.Fatal(err)
	}
	written, err := os.ReadFile(filepath.Join(nw, CompareFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(md, written) {
		t.Error("compare.md differs from what CompareDirs returned")
	}
	golden(t, "compare.md", md)
	// rates-new has less Redis CPU for the stateful variants (0.8×) and
	// the same model otherwise: the session Redis CPU difference must be
	// marked, the comparison of a run with itself must mark nothing.
	if !bytes.Contains(md, []byte("| session | Redis CPU µs/req | 9.8 (8.8–9.8) | 7.5 (7.3–7.8) | -2.3 | -23.1% | **yes** |")) {
		t.Error("the session Redis CPU drop is not marked beyond spread")
	}
	self := Compare(mustLoad(t, old), mustLoad(t, old))
	if !bytes.Contains(self, []byte("0 difference(s) beyond")) {
		t.Errorf("a run compared with itself shows differences:\n%s", self)
	}
}

func TestCompareMissingRun(t *testing.T) {
	_, err := CompareDirs(copyRun(t, "rates"), filepath.Join(t.TempDir(), "nope"))
	if err == nil {
		t.Fatal("CompareDirs with a missing NEW: no error")
	}
}

func mustLoad(tb testing.TB, dir string) *results.Results {
	tb.Helper()
	r, err := Load(dir)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}
