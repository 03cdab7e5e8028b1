// Package picture draws results as SVG for the documents: the latency
// matrix as a heat map and a drill as a timeline per region. Output depends
// only on the input, so regenerating a picture from the same file changes
// nothing.
package picture

import (
	"fmt"
	"html"
	"math"
	"sort"
	"strings"

	"hyundai-poc.com/evidence/latency"
	"hyundai-poc.com/loadtest/traffic"
)

const font = `font-family="DejaVu Sans, Arial, sans-serif"`

func esc(s string) string { return html.EscapeString(s) }

// colour maps a multiple of the local latency to green (1x) through amber
// to red (30x and beyond), on a log scale.
func colour(ratio float64) string {
	if ratio <= 0 {
		return "#dddddd"
	}
	f := math.Min(1, math.Log(math.Max(ratio, 1))/math.Log(30))
	r := int(80 + 175*f)
	g := int(190 - 120*f)
	return fmt.Sprintf("#%02x%02x%02x", r, g, 90)
}

// Heatmap draws p50 per (from, to) cell, coloured by the multiple of the
// row's local p50.
func Heatmap(cells []latency.Cell, title string) string {
	var froms, tos []string
	seen := map[string]bool{}
	for _, c := range cells {
		if !seen["f"+c.From] {
			seen["f"+c.From] = true
			froms = append(froms, c.From)
		}
		if !seen["t"+c.To] {
			seen["t"+c.To] = true
			tos = append(tos, c.To)
		}
	}
	const cw, ch, left, top = 150, 44, 130, 70
	w, h := max(left+cw*len(tos)+20, 20+8*len(title)), top+ch*len(froms)+40
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" %s font-size="13">`+"\n", w, h, w, h, font)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", w, h)
	fmt.Fprintf(&b, `<text x="10" y="22" font-size="14" font-weight="bold">%s</text>`+"\n", esc(title))
	for j, t := range tos {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">%s</text>`+"\n", left+cw*j+cw/2, top-10, esc(t))
	}
	idx := map[string]latency.Cell{}
	for _, c := range cells {
		idx[c.From+"\x00"+c.To] = c
	}
	for i, f := range froms {
		y := top + ch*i
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", left-8, y+ch/2+5, esc(f))
		for j, t := range tos {
			c, ok := idx[f+"\x00"+t]
			x := left + cw*j
			label, fill := "-", "#eeeeee"
			if ok && c.Total.Count > 0 {
				label = fmt.Sprintf("%.1f ms", c.Total.P50)
				if c.RatioToLocal > 0 {
					label += fmt.Sprintf(" (%.1fx)", c.RatioToLocal)
				}
				fill = colour(c.RatioToLocal)
			} else if ok {
				label = fmt.Sprintf("failed %d", c.Failed)
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="white" stroke-width="2"/>`+"\n", x, y, cw, ch, fill)
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="black">%s</text>`+"\n", x+cw/2, y+ch/2+5, esc(label))
		}
	}
	fmt.Fprintf(&b, `<text x="10" y="%d" font-size="11" fill="#555">p50 of whole requests; colour: multiple of the row's local p50 (green 1x, red 30x)</text>`+"\n", h-12)
	b.WriteString("</svg>\n")
	return b.String()
}

// Mark is a moment on a timeline: seconds since the start, and a label.
// Region limits it to one region's panel ("" for all).
type Mark struct {
	T      float64
	Label  string
	Region string
	Colour string
}

// Timeline draws, per region, successful writes and reads per second as
// lines, failures as red bars, and the marks as vertical lines.
func Timeline(title string, series []traffic.Second, marks []Mark) string {
	byRegion := map[string][]traffic.Second{}
	var regions []string
	last, peak := 0, 1
	var deepest int64
	for _, s := range series {
		if s.QueueDepth != nil {
			deepest = max(deepest, *s.QueueDepth)
		}
		if _, ok := byRegion[s.Region]; !ok {
			regions = append(regions, s.Region)
		}
		byRegion[s.Region] = append(byRegion[s.Region], s)
		last = max(last, s.T)
		peak = max(peak, s.WritesOK, s.ReadsOK, s.WritesFailed+s.ReadsFailed)
	}
	sort.Strings(regions)
	const left, right, top, panel, gap = 120, 30, 50, 110, 30
	width := 900
	plotW := float64(width - left - right)
	height := top + len(regions)*(panel+gap) + 40
	span := float64(last + 1)
	x := func(t float64) float64 { return float64(left) + plotW*t/span }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" %s font-size="12">`+"\n", width, height, width, height, font)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="10" y="22" font-size="14" font-weight="bold">%s</text>`+"\n", esc(title))
	legend := `per second: <tspan fill="#1f77b4">writes ok</tspan>, <tspan fill="#2ca02c">reads ok</tspan>, <tspan fill="#d62728">failed</tspan>; vertical lines mark the events`
	if deepest > 0 {
		legend = `per second: <tspan fill="#1f77b4">writes ok</tspan> (<tspan fill="#9467bd">of them queued, 202</tspan>), <tspan fill="#2ca02c">reads ok</tspan>, <tspan fill="#d62728">failed</tspan>; <tspan fill="#ff7f0e">write queue depth</tspan> on its own scale (right); vertical lines mark the events`
	}
	fmt.Fprintf(&b, `<text x="10" y="40" font-size="11" fill="#555">%s</text>`+"\n", legend)
	for i, r := range regions {
		y0 := float64(top + i*(panel+gap) + 10)
		// Headroom above the peak keeps the lines off the panel's border.
		y := func(v int) float64 { return y0 + float64(panel) - 0.85*float64(panel)*float64(v)/float64(peak) }
		fmt.Fprintf(&b, `<text x="%d" y="%.0f" text-anchor="end" font-weight="bold">%s</text>`+"\n", left-8, y0+float64(panel)/2, esc(r))
		fmt.Fprintf(&b, `<rect x="%d" y="%.0f" width="%.0f" height="%d" fill="none" stroke="#ccc"/>`+"\n", left, y0, plotW, panel)
		pts := func(get func(traffic.Second) int) string {
			var p []string
			for _, s := range byRegion[r] {
				p = append(p, fmt.Sprintf("%.1f,%.1f", x(float64(s.T)+0.5), y(get(s))))
			}
			return strings.Join(p, " ")
		}
		for _, s := range byRegion[r] {
			if f := s.WritesFailed + s.ReadsFailed; f > 0 {
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#d62728" opacity="0.7"/>`+"\n", x(float64(s.T)), y(f), math.Max(1, x(1)-x(0)-1), y0+float64(panel)-y(f))
			}
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="#2ca02c" stroke-width="3" opacity="0.6" points="%s"/>`+"\n", pts(func(s traffic.Second) int { return s.ReadsOK }))
		fmt.Fprintf(&b, `<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" stroke-dasharray="5 2" points="%s"/>`+"\n", pts(func(s traffic.Second) int { return s.WritesOK }))
		if deepest > 0 {
			fmt.Fprintf(&b, `<polyline fill="none" stroke="#9467bd" stroke-width="1.5" points="%s"/>`+"\n", pts(func(s traffic.Second) int { return s.WritesQueued }))
			// The queue's depth on its own scale: entries, not requests per second.
			var q []string
			for _, s := range byRegion[r] {
				if s.QueueDepth != nil {
					v := y0 + float64(panel) - 0.85*float64(panel)*float64(*s.QueueDepth)/float64(deepest)
					q = append(q, fmt.Sprintf("%.1f,%.1f", x(float64(s.T)+0.5), v))
				}
			}
			fmt.Fprintf(&b, `<polyline fill="none" stroke="#ff7f0e" stroke-width="2" points="%s"/>`+"\n", strings.Join(q, " "))
			fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="10" text-anchor="end" fill="#ff7f0e">%d in the queue</text>`+"\n", float64(left)+plotW-4, y0+float64(panel)*0.15-3, deepest)
		}
		for k, m := range marks {
			if m.Region != "" && m.Region != r {
				continue
			}
			c := m.Colour
			if c == "" {
				c = "#444"
			}
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="%s" stroke-dasharray="4 3"/>`+"\n", x(m.T), y0, x(m.T), y0+float64(panel), c)
			fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" font-size="10" fill="%s">%s</text>`+"\n", x(m.T)+3, y0+float64(panel)-4-float64(k%4)*11, c, esc(m.Label))
		}
		fmt.Fprintf(&b, `<text x="%d" y="%.0f" font-size="10" text-anchor="end">%d/s</text>`+"\n", left-4, y(peak)+4, peak)
	}
	ay := height - 20
	for t := 0; t <= last+1; t += max(1, (last+1)/10) {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="10" text-anchor="middle">%ds</text>`+"\n", x(float64(t)), ay, t)
	}
	b.WriteString("</svg>\n")
	return b.String()
}
