package load

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"sort"
)

// Chart draws latency against rate, one panel per scenario: p50, p95 and
// p99 of every step, the p99 target, failed steps in red and the highest
// sustained rate as a vertical line. Latency is on a log scale because a
// failing step can be a hundred times slower than a passing one. The
// output depends only on its input, so a committed chart can be redrawn
// and compared.
func Chart(title string, scenarios []ScenarioResult) []byte {
	const (
		panelW, panelH = 360.0, 260.0
		left, right    = 56.0, 16.0
		top, bottom    = 64.0, 44.0
	)
	n := max(len(scenarios), 1)
	w := float64(n) * (panelW + left + right)
	h := panelH + top + bottom + 24
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="11">`+"\n", w, h, w, h)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="8" y="18" font-size="14" font-weight="bold">%s</text>`+"\n", html.EscapeString(title))
	series := []struct {
		name, color string
		get         func(Step) float64
	}{
		{"p50", "#1f77b4", func(s Step) float64 { return s.Latency.P50 }},
		{"p95", "#ff7f0e", func(s Step) float64 { return s.Latency.P95 }},
		{"p99", "#2ca02c", func(s Step) float64 { return s.Latency.P99 }},
	}
	for i, sc := range scenarios {
		ox := float64(i)*(panelW+left+right) + left
		oy := top
		steps := append([]Step(nil), sc.Steps...)
		sort.SliceStable(steps, func(a, b int) bool { return steps[a].Rate < steps[b].Rate })
		maxRate := 1.0
		lo, hi := math.Inf(1), sc.TargetP99Ms
		for _, s := range steps {
			maxRate = math.Max(maxRate, s.Rate)
			for _, se := range series {
				if v := se.get(s); v > 0 {
					lo, hi = math.Min(lo, v), math.Max(hi, v)
				}
			}
		}
		if math.IsInf(lo, 1) {
			lo = 1
		}
		// Whole decades, so the grid lines read 1, 10, 100 ms.
		ylo := math.Pow(10, math.Floor(math.Log10(math.Max(lo, 0.1))))
		yhi := math.Pow(10, math.Ceil(math.Log10(math.Max(hi, ylo*10))))
		xmax := niceCeil(maxRate * 1.05)
		x := func(r float64) float64 { return ox + r/xmax*panelW }
		y := func(v float64) float64 {
			v = math.Max(v, ylo)
			return oy + panelH - (math.Log10(v)-math.Log10(ylo))/(math.Log10(yhi)-math.Log10(ylo))*panelH
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="12" font-weight="bold">%s: %s req/s sustained (p99 target %s ms)</text>`+"\n",
			ox, oy-18, html.EscapeString(sc.Scenario), num(sc.HighestSustained), num(sc.TargetP99Ms))
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="#999"/>`+"\n", ox, oy, panelW, panelH)
		for d := ylo; d <= yhi*1.0001; d *= 10 {
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#eee"/><text x="%.1f" y="%.1f" text-anchor="end">%s ms</text>`+"\n",
				ox, y(d), ox+panelW, y(d), ox-4, y(d)+4, num(d))
		}
		for k := 0; k <= 4; k++ {
			r := xmax * float64(k) / 4
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x(r), oy+panelH+14, num(r))
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">rate (requests/s)</text>`+"\n", ox+panelW/2, oy+panelH+30)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#d62728" stroke-dasharray="6 4"/>`+"\n",
			ox, y(sc.TargetP99Ms), ox+panelW, y(sc.TargetP99Ms))
		if sc.HighestSustained > 0 {
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#555" stroke-dasharray="2 3"/>`+"\n",
				x(sc.HighestSustained), oy, x(sc.HighestSustained), oy+panelH)
		}
		for _, se := range series {
			var pts bytes.Buffer
			for _, s := range steps {
				fmt.Fprintf(&pts, "%.1f,%.1f ", x(s.Rate), y(se.get(s)))
			}
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", se.color, bytes.TrimSpace(pts.Bytes()))
		}
		for _, s := range steps {
			color := "#2ca02c"
			if !s.Pass {
				color = "#d62728"
			}
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"><title>%s req/s: p50 %s, p99 %s ms, %d errors%s</title></circle>`+"\n",
				x(s.Rate), y(s.Latency.P99), color, num(s.Rate), num(s.Latency.P50), num(s.Latency.P99), s.Errors, html.EscapeString(whyText(s.Why)))
		}
		for j, se := range series {
			lx := ox + 8 + float64(j)*56
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"/><text x="%.1f" y="%.1f">%s</text>`+"\n",
				lx, oy+12, lx+16, oy+12, se.color, lx+20, oy+16, se.name)
		}
	}
	fmt.Fprintf(&b, `<text x="8" y="%.0f" fill="#555">green: step held (0 errors, p99 under target); red: step failed; dashed red: p99 target; dotted: highest sustained rate</text>`+"\n", h-8)
	b.WriteString("</svg>\n")
	return b.Bytes()
}

func whyText(why string) string {
	if why == "" {
		return ""
	}
	return "; " + why
}

// num prints a number without trailing zeros.
func num(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}
