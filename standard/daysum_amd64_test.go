//go:build amd64 && !purego

package standard

import "testing"

// setUseAVX2 switches the AVX2 kernels on or off for one test, to run the
// dispatching functions down the path a machine without AVX2 takes.
func setUseAVX2(t *testing.T, on bool) {
	old := useAVX2
	useAVX2 = on && old
	t.Cleanup(func() { useAVX2 = old })
}
