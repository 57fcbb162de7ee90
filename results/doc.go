// Package results is the one type the load test and the report share:
// what a run measured (results.json, schema "authbench.results/v2"; v1
// files still load) and its codec.
//
// The runner (package loadtest) writes these types and the report
// (package report) reads them; neither imports the other. The package
// imports only the standard library and the module's root contract, so
// a report can be made from any old results file on any system, without
// linking the load generator, the store proxy or a Redis client.
//
// What a report needs to re-render an old run faithfully is recorded in
// the file, not taken from today's code: the scenario as run (Scenario,
// a copy rather than the YAML decoder's type), the thresholds the
// verdicts were reached with (Policy), and per variant the
// authbench.Info its server stated (VariantResult.Info).
//
// Fields are only ever added; a rename or a change of meaning changes
// Schema. Decode refuses unknown fields, so a file written by newer code
// fails loudly in older code instead of rendering without what it lacks.
package results
