// Package frontend serves the hyundai-poc.com site.
package frontend
