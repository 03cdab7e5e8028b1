package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"text/tabwriter"

	"hyundai-poc.com/evidence/cost"
	"hyundai-poc.com/evidence/results"
)

func runCost(ctx context.Context, e *env, args []string) error {
	fs := e.flags(`
Daily cost. Without --actual: an estimate from the Terraform variables
(deploy/terraform/poc/variables.tf and terraform.tfvars when present) and the
price table deploy/evidence/cost/prices.json, in which every price carries its
source and date; no AWS call.

With --refresh-prices (needs credentials): first read every price the
estimate uses, in each region, from the AWS Price List API (GetProducts,
us-east-1 endpoint) into that table, with the filters sent, the SKU, the
effective date and the day read.

With --actual (after a deploy): Cost Explorer GetCostAndUsage for the last
--days days, filtered by the Project tag and grouped by service, compared with
the estimate and with the billing alarm's daily threshold.

The cost of an AWS deployment is a fact about AWS, so results go to
test-results/aws/ unless --out says otherwise. Writes cost-<time>.json.`)
	actual := fs.Bool("actual", false, "read real costs from Cost Explorer (needs credentials)")
	days := fs.Int("days", 7, "with --actual: days to read, ending yesterday")
	refresh := fs.Bool("refresh-prices", false, "read the prices from the AWS Price List API into the price table first (needs credentials)")
	pricesPath := fs.String("prices", "", "the price table (default deploy/evidence/cost/prices.json)")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if *pricesPath == "" {
		*pricesPath = filepath.Join(e.root, "deploy", "evidence", "cost", cost.PriceFileName)
	}
	if e.target == "lab" {
		// The estimate prices the AWS deployment whatever --target says.
		e.target = "aws"
		if !flagGiven(fs, "out") {
			e.outDir = filepath.Join(e.root, "test-results", "aws")
		}
	}
	s, err := cost.FromTerraform(e.tfDir)
	if err != nil {
		return err
	}
	prices, err := cost.LoadPrices(*pricesPath)
	if err != nil {
		return err
	}
	if *refresh {
		clients, err := e.loadAWS(ctx)
		if err != nil {
			return err
		}
		e.logf("reading prices from the AWS Price List API for %v", s.Regions)
		rerr := cost.Refresh(ctx, clients.Pricing(), s, prices, e.now(), func(line string) { e.logf("  %s", line) })
		// What was read is kept even when some prices were not.
		if err := prices.Save(*pricesPath); err != nil {
			return err
		}
		e.logf("prices: %s", rel(e.root, *pricesPath))
		if rerr != nil {
			return fmt.Errorf("some prices were not read; they keep their previous readings:\n%w", rerr)
		}
	}
	est, err := cost.Compute(s, prices)
	if err != nil {
		return err
	}
	res := results.Cost{Settings: s, Estimate: est}
	tw := tabwriter.NewWriter(e.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "component\tUSD/day\thow\t")
	for _, l := range res.Estimate.Lines {
		fmt.Fprintf(tw, "%s\t%.2f\t%s\t\n", l.Component, l.USDPerDay, l.Formula)
	}
	fmt.Fprintf(tw, "total (Aurora at minimum)\t%.2f\t\t\ntotal (Aurora at maximum all day)\t%.2f\t\t\nbilling alarm threshold\t%.2f\t\t\n", res.Estimate.TotalUSD, res.Estimate.AtMaxACUUSD, res.Estimate.DailyBudgetUSD)
	tw.Flush()
	if !est.FromPriceList {
		e.logf("prices: third-party readings of AWS list prices, and us-east-1 readings applied to other regions, until `bin/evidence cost --refresh-prices` reads them from the AWS Price List API")
	}
	if *actual {
		clients, err := e.loadAWS(ctx)
		if err != nil {
			return err
		}
		a, err := cost.FromCostExplorer(ctx, clients.Cost(), s.Project, *days, e.now(), res.Estimate)
		if err != nil {
			return err
		}
		res.Actual = a
		e.logf("Cost Explorer, Project=%s, %d days: mean %.2f USD/day (%.2fx the estimate), max %.2f, %d day(s) over the alarm's %.2f", s.Project, len(a.Days), a.MeanUSD, a.RatioToEst, a.MaxUSD, a.DaysOverBudg, a.BudgetUSD)
	}
	_, err = save(e, "cost", map[string]any{"actual": *actual, "days": *days, "tf_dir": rel(e.root, e.tfDir), "prices": rel(e.root, *pricesPath), "refresh_prices": *refresh}, res)
	return err
}

func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}
