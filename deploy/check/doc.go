// Package check verifies the deployment files offline.
package check
