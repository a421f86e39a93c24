// Command lantian is the one binary of the lantian platform: the web
// platform (serve), imports and exports, the calculation engine's command
// line (calc), plan tools, user administration and the HJ 212 tools.
//
// This package only wires packages together and parses flags. Each
// subcommand lives in its own file and registers itself in commands.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one subcommand of the binary.
type command struct {
	name    string
	summary string
	// run receives the arguments after the subcommand name. It returns an
	// error for the user; exit status 2 is reserved for usage errors.
	run func(args []string, stdout, stderr io.Writer) error
}

// commands is the table of subcommands, filled by register calls in the
// files of this package.
var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("duplicate command " + c.name)
	}
	commands[c.name] = c
}

// errUsage reports a usage error (exit status 2); the flag package has
// already printed the details.
var errUsage = errors.New("usage error")

// exitError carries a specific exit status (for example 1 when an import
// rejected rows but otherwise succeeded).
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func main() {
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

func runMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "lantian: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	err := c.run(args[1:], stdout, stderr)
	var ee *exitError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.As(err, &ee):
		if ee.msg != "" {
			fmt.Fprintf(stderr, "lantian %s: %s\n", c.name, ee.msg)
		}
		return ee.code
	default:
		fmt.Fprintf(stderr, "lantian %s: %v\n", c.name, err)
		return 1
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "lantian (蓝天) — air-quality deadline-compliance platform")
	fmt.Fprintln(w, "\nUsage: lantian COMMAND [flags] [args]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'lantian COMMAND -h' for the flags of a command.")
}

// newFlagSet returns a flag set that reports errors instead of exiting, so
// that runMain decides the exit status.
func newFlagSet(name string, stderr io.Writer, usageLine string) *flag.FlagSet {
	fs := flag.NewFlagSet("lantian "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: lantian %s %s\n\nFlags:\n", name, usageLine)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args with fs, allowing flags after positional
// arguments (lantian calc daily FILE --raw), and maps flag errors to
// errUsage.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// storeFlags are the flags every subcommand that touches the store takes.
type storeFlags struct {
	data string
	db   string
}

func (s *storeFlags) register(fs *flag.FlagSet) {
	def := os.Getenv("LANTIAN_DATA")
	if def == "" {
		def = "./lantian-data"
	}
	fs.StringVar(&s.data, "data", def, "data directory (default $LANTIAN_DATA or ./lantian-data)")
	fs.StringVar(&s.db, "db", os.Getenv("LANTIAN_DB"), "database URL: empty for the SQLite file in the data directory, or postgres://…")
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// subcommand runs one subcommand of a command group with the arguments
// after its name.
type subcommand func(args []string, stdout, stderr io.Writer) error

// dispatch runs the subcommand of group (audit, device, plan, user, token)
// named by args[0], printing usage for help and for a missing or unknown
// name (errUsage: exit status 2).
func dispatch(group, usage string, args []string, stdout, stderr io.Writer, subs map[string]subcommand) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprintln(stderr, usage)
		return nil
	}
	run, ok := subs[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "lantian %s: unknown subcommand %q\n%s\n", group, args[0], usage)
		return errUsage
	}
	return run(args[1:], stdout, stderr)
}

// named adapts a subcommand that serves several names (enable/disable…)
// and needs to know which one it was called by.
func named(name string, run func(name string, args []string, stdout, stderr io.Writer) error) subcommand {
	return func(args []string, stdout, stderr io.Writer) error { return run(name, args, stdout, stderr) }
}
