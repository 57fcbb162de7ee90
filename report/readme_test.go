package report

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateReadme = flag.Bool("readme", false, "rewrite README.md's figures from results/example (make readme-figures)")

// TestREADMEFigures fails when README's figures are not those of the
// reference run in results/example/; -readme rewrites them.
func TestREADMEFigures(t *testing.T) {
	root := filepath.Join("..")
	r, err := Load(filepath.Join(root, "results", "example"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, "README.md")
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReplaceFigures(readme, ReadmeFigures(r, "results/example/report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if *updateReadme {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(got, readme) {
		t.Errorf("README.md's figures are not results/example's: run make readme-figures and review the diff")
	}
}

func TestReplaceFigures(t *testing.T) {
	in := "a\n" + FiguresBegin + "\nold\n" + FiguresEnd + "\nb\n"
	got, err := ReplaceFigures([]byte(in), "new\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := "a\n" + FiguresBegin + "\n\nnew\n\n" + FiguresEnd + "\nb\n"; string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if _, err := ReplaceFigures([]byte("no markers"), "x"); !errors.Is(err, ErrNoFigureMarkers) {
		t.Errorf("without markers: err %v, want ErrNoFigureMarkers", err)
	}
	if !strings.Contains(ReadmeFigures(fixture(t, "curve"), "r.md"), "| jwt | 4125 [4034–4216] | 24.1 [23.9–24.4] | 1 (reference) | 1 (reference) |") {
		t.Errorf("the curve fixture's figures lack jwt's row:\n%s", ReadmeFigures(fixture(t, "curve"), "r.md"))
	}
}
