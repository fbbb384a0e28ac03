// Package check validates the deploy manifests (a separate module, so that
// Helm and the Kubernetes API types stay out of the product's go.mod).
package check
