// Package backend is the data-path API of hyundai-poc.com.
package backend
