// Command tffmt formats Terraform files as `terraform fmt` does
// (hclwrite.Format), so formatting needs no terraform binary.
//
//	tffmt [-w] DIR...   list files that need formatting; -w rewrites them
//
// It exits 1 when, without -w, some file needs formatting.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/hashicorp/hcl/v2/hclwrite"

	"hyundai-poc.com/deploy/check/tfcheck"
)

func main() {
	write := flag.Bool("w", false, "rewrite files in place")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: tffmt [-w] DIR...")
		os.Exit(2)
	}
	if err := run(*write, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "tffmt:", err)
		os.Exit(1)
	}
}

func run(write bool, dirs []string) error {
	var unformatted int
	for _, dir := range dirs {
		fs, err := tfcheck.Format(dir)
		if err != nil {
			return err
		}
		for _, f := range fs {
			path := f.Range.Filename
			if !write {
				fmt.Println(path)
				unformatted++
				continue
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if err := os.WriteFile(path, hclwrite.Format(src), 0o644); err != nil {
				return fmt.Errorf("write %s: %w", path, err)
			}
			fmt.Println("formatted", path)
		}
	}
	if unformatted > 0 {
		return fmt.Errorf("%d file(s) need formatting (run make tf-fmt)", unformatted)
	}
	return nil
}
