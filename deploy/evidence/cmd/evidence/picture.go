package main

import (
	"context"
	"fmt"
	"hyundai-poc.com/evidence/results"
	"os"
	"path/filepath"
	"strings"

	"hyundai-poc.com/evidence/picture"
	"hyundai-poc.com/evidence/record"
)

func runPicture(_ context.Context, e *env, args []string) error {
	fs := e.flags(`
Redraw the SVG beside a result file: latency-*.json (heat map), a lab
drill-<scenario>-*.json or an AWS drill-*.json (timeline). Usage:
evidence picture FILE.json ...`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("name at least one result file (see evidence picture --help)")
	}
	for _, path := range fs.Args() {
		svg, err := drawPicture(path)
		if err != nil {
			return err
		}
		e.logf("picture: %s", svg)
	}
	return nil
}

// drawPicture writes the SVG for a result file and returns its path.
func drawPicture(path string) (string, error) {
	base := filepath.Base(path)
	switch {
	case strings.HasPrefix(base, "latency-"):
		f, err := record.Read[results.Latency](path)
		if err != nil {
			return "", err
		}
		svg := strings.TrimSuffix(path, ".json") + ".svg"
		return svg, os.WriteFile(svg, []byte(picture.Heatmap(f.Result.Cells, heatmapTitle(f.Target))), 0o644)
	case strings.HasPrefix(base, "drill-") && strings.Contains(path, string(filepath.Separator)+"aws"+string(filepath.Separator)):
		f, err := record.Read[results.Drill](path)
		if err != nil {
			return "", err
		}
		return strings.TrimSuffix(path, ".json") + ".svg", writeAWSDrillPicture(path, f.Result)
	case strings.HasPrefix(base, "drill-"):
		return labDrillPicture(path)
	}
	return "", fmt.Errorf("%s: no picture for this kind of result", path)
}
