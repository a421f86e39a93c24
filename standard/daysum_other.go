//go:build !amd64 || purego

package standard

// useAVX2 is false: the AVX2 kernels exist only on amd64 (and not with
// the purego build tag).
const useAVX2 = false

// daySumsArch is daySumsGeneric where no vector kernel exists.
func daySumsArch(h []Conc, sum []int64, n []uint8) { daySumsGeneric(h, sum, n) }

// daySumsMaxArch is daySumsMaxGeneric where no vector kernel exists.
func daySumsMaxArch(h []Conc, sum []int64, n []uint8, mx []Conc) {
	daySumsMaxGeneric(h, sum, n, mx)
}
