// Command authbench measures stateless JWT authentication against
// server-side sessions. Run "authbench help" for the subcommands.
//
// main only parses flags and wires packages together; each subcommand
// lives in a file of its own.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand: its name, a one-line summary and its run
// function, which receives the arguments after the subcommand's name.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "serve the handler set with one backend (jwt, jwt-blacklist, session, session-memory, none)", runServe},
		{"loadtest", "load-test every variant of a scenario with vegeta (default scenarios/quick.yaml)", runLoadtest},
		{"report", "render report.md and report.html from a run's results.json, or --compare two runs", runReport},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	default:
		fmt.Fprintln(os.Stderr, "authbench:", err)
		var u usageError
		if errors.As(err, &u) && u.cmd != "" {
			fmt.Fprintf(os.Stderr, "Run \"authbench %s --help\" for usage.\n", u.cmd)
		}
		os.Exit(exitCode(err))
	}
}

// usageError marks a command line that could not be understood (exit 2).
type usageError struct {
	cmd string // the subcommand whose flags were wrong, if any
	err error
}

func (e usageError) Error() string {
	if e.cmd != "" {
		return e.cmd + ": " + e.err.Error()
	}
	return e.err.Error()
}
func (e usageError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			return run(ctx, []string{args[1], "--help"}, stdout, stderr)
		}
		usage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	usage(stderr)
	return usageError{err: fmt.Errorf("unknown command %q", args[0])}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `authbench measures what stateless JWT authentication and server-side sessions
cost and buy: per-request CPU, latency, store round trips, revocation.

Usage:
  authbench <command> [flags]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run "authbench <command> --help" for the flags of one command.
`)
}

// newFlagSet returns a flag set that reports errors instead of exiting and
// prints help to stdout when asked for it.
func newFlagSet(name, synopsis string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, which must hold flags only; a bad command line
// is returned as a usageError naming the subcommand.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := parseFlagsAndArgs(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{cmd: fs.Name(), err: fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

// parseFlagsAndArgs parses args, leaving positional arguments in
// fs.Args() for the subcommand to check; --help prints the usage.
func parseFlagsAndArgs(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.SetOutput(out)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
		return err
	case err != nil:
		return usageError{cmd: fs.Name(), err: err}
	}
	return nil
}
