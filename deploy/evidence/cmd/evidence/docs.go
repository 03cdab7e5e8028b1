package main

import (
	"context"

	"hyundai-poc.com/evidence/writeup"
)

func runDocs(ctx context.Context, e *env, args []string) error {
	fs := e.flags(`
Regenerate docs/talking-points.md, docs/failover-runbook.md and
docs/dns-verification.md from the newest results in test-results/lab/ and
test-results/aws/. Deterministic: the same results give the same files, so
running it twice changes nothing. A figure not measured yet names the command
that measures it.`)
	check := fs.Bool("check", false, "only report whether the documents are up to date (exit 1 if not)")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	changed, err := writeup.Generate(e.root, !*check)
	if err != nil {
		return err
	}
	for _, c := range changed {
		if *check {
			e.logf("out of date: %s", c)
		} else {
			e.logf("updated %s", c)
		}
	}
	if *check && len(changed) > 0 {
		return errOutOfDate
	}
	if len(changed) == 0 {
		e.logf("documents up to date")
	}
	return nil
}

var errOutOfDate = errorString("documents are out of date: run `make talking-points`")

type errorString string

func (e errorString) Error() string { return string(e) }
