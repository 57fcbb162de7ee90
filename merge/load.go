package merge

import (
	"fmt"
	"os"
	"path/filepath"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/authbench/authbench/raw"
	"github.com/authbench/authbench/results"
)

// LoadDir reads the run in dir (its results.json) as a Part whose raw
// results are read from the step's raw_file, relative to dir, when
// Merge asks for them.
func LoadDir(dir string) (Part, error) {
	res, err := results.Load(filepath.Join(dir, "results.json"))
	if err != nil {
		return Part{}, fmt.Errorf("merge: %s: %w", dir, err)
	}
	return Part{Dir: dir, Results: res, Raw: func(v, s int) ([]vegeta.Result, error) {
		st := res.Variants[v].Steps[s]
		if st.RawFile == "" {
			return nil, fmt.Errorf("%s step %d recorded no raw_file", res.Variants[v].Label(), st.Index)
		}
		return raw.Read(filepath.Join(dir, st.RawFile))
	}}, nil
}

// Dirs merges the runs in dirs (LoadDir each) and writes the merged run
// to out/results.json; it refuses an out that is one of dirs, whose
// results would be overwritten.
func Dirs(out string, dirs []string) (*results.Results, error) {
	parts := make([]Part, 0, len(dirs))
	for _, d := range dirs {
		if same(d, out) {
			return nil, fmt.Errorf("merge: output %s is one of the runs merged: give -o another folder", out)
		}
		p, err := LoadDir(d)
		if err != nil {
			return nil, err
		}
		parts = append(parts, p)
	}
	m, err := Merge(out, parts)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	return m, m.Write(filepath.Join(out, "results.json"))
}

// same reports whether a and b name one folder.
func same(a, b string) bool {
	x, err1 := filepath.Abs(a)
	y, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && x == y
}
