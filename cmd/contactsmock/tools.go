package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/spec"
	"github.com/contactsmock/contactsmock/spec/specdiff"
)

const specUsage = `Usage:
  contactsmock spec validate [--spec FILE]   load and validate a document (the embedded one by default)
  contactsmock spec ops [--spec FILE]        one line per operation: method, path, operationId, scopes, success status
  contactsmock spec diff [--spec FILE] [--json FILE] OLD NEW
                                             breaking and non-breaking changes from OLD to NEW; each is a
                                             file (ours, or a vendor's) or "ours": the embedded document
                                             (or --spec FILE). Exit 0 no breaking change, 1 some, 2 error
`

func specCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, specUsage)
		if len(args) == 0 {
			return errUsage
		}
		return errHelp
	}
	sub, args := args[0], args[1:]
	if sub == "diff" {
		return specDiffCmd(args, stdout, stderr)
	}
	fs := flag.NewFlagSet("spec "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("spec", "", "OpenAPI document `FILE` to use instead of the embedded one")
	fs.Usage = func() { fmt.Fprint(stderr, specUsage, "\nFlags:\n"); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return errUsage
	}
	var (
		sp  *spec.Spec
		err error
	)
	if *file != "" {
		sp, err = spec.LoadFile(*file)
	} else {
		sp, err = spec.Default()
	}
	if err != nil {
		return err
	}
	switch sub {
	case "validate":
		name := *file
		if name == "" {
			name = "embedded document"
		}
		fmt.Fprintf(stdout, "%s: valid OpenAPI %s, %d operations\n", name, sp.Doc.OpenAPI, len(sp.Operations))
		return nil
	case "ops":
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "METHOD\tPATH\tOPERATION\tSCOPE\tSUCCESS")
		for _, op := range sp.Operations {
			scope := strings.Join(op.Scopes, ",")
			if op.Public() {
				scope = "(public)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", op.Method, op.Path, op.ID, scope, op.SuccessStatus)
		}
		return tw.Flush()
	default:
		fmt.Fprintf(stderr, "unknown spec command %q\n\n%s", sub, specUsage)
		return errUsage
	}
}

// oursName is the argument of spec diff that names our document.
const oursName = "ours"

func specDiffCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("spec diff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("spec", "", "the `FILE` that \""+oursName+"\" stands for, instead of the embedded document")
	jsonFile := fs.String("json", "", "also write the changes as JSON to `FILE`")
	fs.Usage = func() { fmt.Fprint(stderr, specUsage, "\nFlags of spec diff:\n"); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return errUsage
	}
	if fs.NArg() != 2 {
		fmt.Fprintf(stderr, "spec diff takes two documents, OLD and NEW (a file, or %q), got %d\n", oursName, fs.NArg())
		return errUsage
	}
	var docs [2]*specdiff.Document
	for i, name := range fs.Args() {
		var err error
		switch {
		case name == oursName && *file != "":
			docs[i], err = specdiff.LoadFile(*file)
		case name == oursName:
			docs[i], err = specdiff.Embedded()
		default:
			docs[i], err = specdiff.LoadFile(name)
		}
		if err != nil {
			fmt.Fprintln(stderr, "contactsmock:", err)
			return exitCode(2)
		}
	}
	res, err := specdiff.Compare(docs[0], docs[1])
	if err != nil {
		fmt.Fprintln(stderr, "contactsmock:", err)
		return exitCode(2)
	}
	if err := res.WriteText(stdout); err != nil {
		return err
	}
	if *jsonFile != "" {
		if err := writeFileAtomic(*jsonFile, res.WriteJSON); err != nil {
			fmt.Fprintln(stderr, "contactsmock: --json:", err)
			return exitCode(2)
		}
	}
	if len(res.Breaking) > 0 {
		return exitCode(1)
	}
	return nil
}

const fixturesUsage = `Usage: contactsmock fixtures generate [flags] > file.json

Writes a generated fixture document (JSON) to standard output. "contactsmock serve --fixtures file.json"
then starts in exactly the state "contactsmock serve --seed N --contacts K --locations L" would.

Flags:
`

func fixturesCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "generate" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(stderr, fixturesUsage)
			return errHelp
		}
		fmt.Fprint(stderr, fixturesUsage)
		return errUsage
	}
	fs := flag.NewFlagSet("fixtures generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var g genFlags
	g.register(fs)
	fs.Usage = func() { fmt.Fprint(stderr, fixturesUsage); fs.PrintDefaults() }
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return errUsage
	}
	if err := g.check(stderr); err != nil {
		return err
	}
	doc, err := fixtures.Generate(g.options())
	if err != nil {
		return err
	}
	return fixtures.Write(stdout, doc)
}

// genFlags are the flags that say what to generate; serve and fixtures generate share them, so the
// same flags always mean the same data.
type genFlags struct {
	seed      int64
	contacts  int
	locations int
}

func (g *genFlags) register(fs *flag.FlagSet) {
	fs.Int64Var(&g.seed, "seed", 42, "seed of the generated data (`N`, non-zero); the same seed gives the same data")
	fs.IntVar(&g.contacts, "contacts", fixtures.DefaultContacts, "`N` contacts generated per location (0: locations without contacts)")
	fs.IntVar(&g.locations, "locations", 1, "`N` locations generated")
}

func (g *genFlags) check(stderr io.Writer) error {
	if g.seed == 0 {
		fmt.Fprintln(stderr, "--seed must not be 0: an explicit seed keeps runs replayable")
		return errUsage
	}
	if g.contacts < 0 || g.locations < 1 {
		fmt.Fprintln(stderr, "--contacts must be >= 0 and --locations >= 1")
		return errUsage
	}
	return nil
}

func (g *genFlags) options() fixtures.GenerateOptions {
	return fixtures.GenerateOptions{Seed: g.seed, Contacts: g.contacts, NoContacts: g.contacts == 0, Locations: g.locations}
}
