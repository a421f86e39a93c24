//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package ingest

import "os"

// mapFile does not map files on this system: they are read as streams.
func mapFile(*os.File) (data []byte, unmap func() error, ok bool) { return nil, nil, false }
