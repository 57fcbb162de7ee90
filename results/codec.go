package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// Schema identifies the layout of results.json. It changes whenever a
// field is renamed or its meaning changes; Load refuses any other value.
const Schema = "authbench.results/v2"

// SchemaV1 is the layout before the cost curve (schema v2 only added
// fields): Load still reads it, and the report says which figures such
// a run lacks.
const SchemaV1 = "authbench.results/v1"

// ErrSchema means results.json is not of the schema this code reads.
var ErrSchema = errors.New("unsupported results schema")

// Encode writes r as indented JSON, the layout of results.json.
func (r *Results) Encode(w io.Writer) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	return nil
}

// Write writes r as indented JSON to path, via a temporary file so a
// reader never sees half a file.
func (r *Results) Write(path string) error {
	var buf bytes.Buffer
	if err := r.Encode(&buf); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	return os.Rename(tmp, path)
}

// Decode reads results written by Encode. It refuses data whose
// "schema" field is missing or neither Schema nor SchemaV1 (ErrSchema),
// and fields it does not know. The Schema field keeps the value read, so
// a caller can tell a v1 run (no cost curve) from a v2 one. name labels
// errors (the file's path).
func Decode(name string, rd io.Reader) (*Results, error) {
	b, err := io.ReadAll(rd)
	if err != nil {
		return nil, fmt.Errorf("results %s: %w", name, err)
	}
	var head struct {
		Schema *string `json:"schema"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("results %s: %w", name, err)
	}
	switch {
	case head.Schema == nil:
		return nil, fmt.Errorf("results %s: field \"schema\" missing, want %q: %w", name, Schema, ErrSchema)
	case *head.Schema != Schema && *head.Schema != SchemaV1:
		return nil, fmt.Errorf("results %s: field \"schema\" is %q, want %q or %q: %w", name, *head.Schema, Schema, SchemaV1, ErrSchema)
	}
	var r Results
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("results %s: %w", name, err)
	}
	return &r, nil
}

// Load reads the results.json at path; see Decode.
func Load(path string) (*Results, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	defer f.Close()
	return Decode(path, f)
}
