// Package lab runs the three-region system on one machine.
package lab
