// Command perfdoc rewrites docs/performance.md from the newest results of
// `make load`, `make soak`, `make overhead` and `make compare` in
// test-results/lab/. With --check it only reports whether the document is
// what those files give.
//
//	perfdoc [--results test-results/lab] [--doc docs/performance.md] [--check]
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"hyundai-poc.com/reporoot"
	"os"
	"path/filepath"

	"hyundai-poc.com/loadtest/perfdoc"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "perfdoc:", err)
		os.Exit(1)
	}
}

func run() error {
	fs := flag.NewFlagSet("perfdoc", flag.ContinueOnError)
	results := fs.String("results", "", "results directory (test-results/lab of the repository)")
	doc := fs.String("doc", "", "document to write (docs/performance.md of the repository)")
	check := fs.Bool("check", false, "do not write; fail when the document differs from what the results give")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	root, err := reporoot.Here()
	if err != nil {
		return err
	}
	if *results == "" {
		*results = filepath.Join(root, "test-results", "lab")
	}
	if *doc == "" {
		*doc = filepath.Join(root, "docs", "performance.md")
	}
	in, err := perfdoc.Load(*results)
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(filepath.Dir(*doc), *results)
	if err != nil {
		return err
	}
	in.ResultsRel = filepath.ToSlash(rel)
	text := []byte(perfdoc.Render(in))
	if *check {
		old, err := os.ReadFile(*doc)
		if err != nil {
			return err
		}
		if !bytes.Equal(old, text) {
			return fmt.Errorf("%s is not what %s gives: run make perf-report", *doc, *results)
		}
		fmt.Println(*doc, "is up to date")
		return nil
	}
	if err := os.WriteFile(*doc, text, 0o644); err != nil {
		return err
	}
	fmt.Println("wrote", *doc)
	return nil
}
