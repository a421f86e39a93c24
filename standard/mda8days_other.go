//go:build !amd64 || purego

package standard

// mda8DaysArch is mda8DaysGeneric where no vector kernel exists.
func mda8DaysArch(h []Conc, minH int, n1, nw []uint8, bs []int64, bc []uint8, mx []Conc) {
	mda8DaysGeneric(h, minH, n1, nw, bs, bc, mx)
}
