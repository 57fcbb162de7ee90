package merge

import (
	"fmt"
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
