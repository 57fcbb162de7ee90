// Command benchratio checks the per-request targets of the bench package
// against one `go test -bench` output file: for every sub-benchmark of ours
// (impl=authbench) it sets the median ns/op and allocs/op beside those of
// the raw library operation it rests on (impl=raw) and of the peer
// (impl=mapclaims, impl=scs), prints the ratios and says whether each
// target holds. For the end-to-end benchmarks it prints the share of a
// GET /api/me that authentication takes, against backend=none.
//
//	go run ./bench/cmd/benchratio results/bench/2026-11-27T2150Z-abc1234.txt
//
// Targets are figures to read, not assertions: the exit status is 0 even
// when one is missed, unless -strict is given. A target that cannot be
// checked because a benchmark is missing from the file (a -bench filter
// left it out) is listed as "absent", never as met.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Targets of the issue that introduced the benchmarks: our Authenticate
// may cost at most 15% more than the bare library operation, and no more
// than the peers at all.
const (
	rawTarget  = 1.15
	peerTarget = 1.00
)

func main() {
	strict := flag.Bool("strict", false, "exit 1 when a target is missed")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: benchratio [-strict] FILE\n\nFILE is the output of go test -bench ./bench/... (several -count runs allowed).")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	missed, err := runFile(os.Stdout, flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(1)
	}
	if *strict && missed > 0 {
		os.Exit(1)
	}
}

// runFile reads path and writes the report to w; it returns how many
// targets were missed.
func runFile(w io.Writer, path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	res, err := parse(f)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	if len(res) == 0 {
		return 0, fmt.Errorf("%s: %w", path, errNoResults)
	}
	return report(w, res), nil
}

// results maps a benchmark name (without the -GOMAXPROCS suffix) to its
// values by unit, one per run.
type results map[string]map[string][]float64

// procSuffix is the -N that go test appends to a benchmark name.
var procSuffix = regexp.MustCompile(`-\d+$`)

// parse reads the benchmark lines of go test output: a name, an
// iteration count, then value-unit pairs. Other lines are skipped.
func parse(r io.Reader) (results, error) {
	res := results{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(fields[1]); err != nil {
			continue // a log line that happens to start with "Benchmark"
		}
		if len(fields)%2 != 0 {
			return nil, fmt.Errorf("line %d: odd number of value/unit fields: %q", n, sc.Text())
		}
		name := procSuffix.ReplaceAllString(fields[0], "")
		units := res[name]
		if units == nil {
			units = map[string][]float64{}
			res[name] = units
		}
		for i := 2; i < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: value %q: %w", n, fields[i], err)
			}
			units[fields[i+1]] = append(units[fields[i+1]], v)
		}
	}
	return res, sc.Err()
}

// median returns the median of name's values in unit.
func (res results) median(name, unit string) (float64, bool) {
	vs := slices.Clone(res[name][unit])
	if len(vs) == 0 {
		return 0, false
	}
	slices.Sort(vs)
	if len(vs)%2 == 1 {
		return vs[len(vs)/2], true
	}
	return (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2, true
}

// row is one comparison: ours against another implementation.
type row struct {
	bench, other string // our benchmark name; the other's impl
	otherName    string // the other's benchmark name
	target       float64
	nsTarget     bool // the ns/op ratio has a target
	allocsTarget bool // the allocs/op ratio has a target
}

// comparisons lists what each of our Authenticate benchmarks is checked
// against. Peers of the session variant are looked for under the same
// cookie first, then under cookie=unsigned (scs's token is unsigned, so
// it is benchmarked there only).
func comparisons(res results) []row {
	var names []string
	for name := range res {
		if strings.HasPrefix(name, "BenchmarkAuthenticate") && strings.HasSuffix(name, "/impl=authbench") {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var rows []row
	for _, name := range names {
		backend := level(name, "backend")
		other := func(impl string) string {
			n := strings.TrimSuffix(name, "/impl=authbench") + "/impl=" + impl
			if _, ok := res[n]; !ok && backend == "session" {
				n = strings.Replace(n, "/cookie="+level(name, "cookie")+"/", "/cookie=unsigned/", 1)
			}
			return n
		}
		// The raw target applies to jwt and session; jwt-blacklist's raw
		// line is shown for information.
		rows = append(rows, row{bench: name, other: "raw", otherName: other("raw"), target: rawTarget,
			nsTarget: backend == "jwt" || backend == "session"})
		switch backend {
		case "jwt":
			rows = append(rows, row{bench: name, other: "mapclaims", otherName: other("mapclaims"), target: peerTarget, nsTarget: true, allocsTarget: true})
		case "session":
			rows = append(rows, row{bench: name, other: "scs", otherName: other("scs"), target: peerTarget, nsTarget: true, allocsTarget: true})
		}
	}
	return rows
}

// level returns the value of key in a benchmark name's key=value levels.
func level(name, key string) string {
	for _, part := range strings.Split(name, "/") {
		if v, ok := strings.CutPrefix(part, key+"="); ok {
			return v
		}
	}
	return ""
}

// verdict is what a ratio says about its target.
func verdict(ratio, target float64, checked bool) string {
	switch {
	case !checked:
		return "info"
	case ratio <= target:
		return "ok"
	default:
		return "MISS"
	}
}

// ratioText formats a/b, or "n/a" when b is zero.
func ratioText(a, b float64) (string, float64) {
	if b == 0 {
		if a == 0 {
			return "1.00x", 1
		}
		return "n/a", 0
	}
	r := a / b
	return fmt.Sprintf("%.2fx", r), r
}

// report writes the target table and the end-to-end auth shares; it
// returns how many targets were missed.
func report(w io.Writer, res results) int {
	runs := 0
	for _, units := range res {
		runs = max(runs, len(units["ns/op"]))
	}
	fmt.Fprintf(w, "Targets (medians of up to %d runs): ours/raw ns <= %.2fx for jwt and session; ours/peer <= %.2fx in ns and allocs.\n\n", runs, rawTarget, peerTarget)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight|tabwriter.Debug)
	fmt.Fprintln(tw, "benchmark (ours)\tvs\tns/op ours\tns/op other\tns ratio\t\tallocs ours\tallocs other\tallocs ratio\t\t")
	missed, checked, absent := 0, 0, 0
	for _, c := range comparisons(res) {
		short := strings.TrimSuffix(strings.TrimPrefix(c.bench, "Benchmark"), "/impl=authbench")
		ns, ok1 := res.median(c.bench, "ns/op")
		nsO, ok2 := res.median(c.otherName, "ns/op")
		if !ok1 || !ok2 {
			fmt.Fprintf(tw, "%s\t%s\t\t\t\tabsent\t\t\t\t\t\n", short, c.other)
			if c.nsTarget || c.allocsTarget {
				absent++
			}
			continue
		}
		al, _ := res.median(c.bench, "allocs/op")
		alO, _ := res.median(c.otherName, "allocs/op")
		nsText, nsRatio := ratioText(ns, nsO)
		alText, alRatio := ratioText(al, alO)
		nsV := verdict(nsRatio, c.target, c.nsTarget)
		alV := verdict(alRatio, c.target, c.allocsTarget)
		if alText == "n/a" && c.allocsTarget {
			alV = "MISS" // we allocate, the other does not
		}
		for _, v := range []string{nsV, alV} {
			switch v {
			case "ok":
				checked++
			case "MISS":
				checked++
				missed++
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.0f\t%s\t%s\t%.0f\t%.0f\t%s\t%s\t\n", short, c.other, ns, nsO, nsText, nsV, al, alO, alText, alV)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d targets checked, %d missed", checked, missed)
	if absent > 0 {
		fmt.Fprintf(w, ", %d comparisons absent from the file", absent)
	}
	fmt.Fprintln(w, ".")
	shares(w, res)
	return missed
}

// shares prints, for each end-to-end benchmark, what authentication adds
// to a GET /api/me over the backend=none baseline of the same run.
func shares(w io.Writer, res results) {
	var names []string
	for name := range res {
		if strings.HasPrefix(name, "BenchmarkServeMe") && level(name, "backend") != "none" {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return
	}
	slices.Sort(names)
	fmt.Fprintln(w, "\nEnd to end, GET /api/me in process: what authentication adds over backend=none.")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight|tabwriter.Debug)
	fmt.Fprintln(tw, "benchmark\tns/op\tnone ns/op\tauth share\tallocs\tnone allocs\t")
	for _, name := range names {
		top, _, _ := strings.Cut(name, "/")
		ns, _ := res.median(name, "ns/op")
		al, _ := res.median(name, "allocs/op")
		base, ok := res.median(top+"/backend=none", "ns/op")
		baseAl, _ := res.median(top+"/backend=none", "allocs/op")
		share := "absent"
		if ok && ns > 0 {
			share = fmt.Sprintf("%.0f%%", 100*(ns-base)/ns)
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%s\t%.0f\t%.0f\t\n", strings.TrimPrefix(name, "Benchmark"), ns, base, share, al, baseAl)
	}
	tw.Flush()
}

// errNoResults is returned for a file without a single benchmark line.
var errNoResults = errors.New("no benchmark results")
