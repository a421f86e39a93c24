//go:build !amd64 || purego

package standard

import "testing"

// setUseAVX2 does nothing: without the AVX2 kernels the dispatching
// functions always take the generic path.
func setUseAVX2(*testing.T, bool) {}
