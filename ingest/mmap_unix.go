//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package ingest

import (
	"io"
	"os"
	"syscall"
)

// mapFile maps f read-only when it is a regular file of at least minMapped
// bytes positioned at its start, so that a parallel reader cuts its chunks
// from the page cache without copying the file. ok is false when f does not
// qualify or the mapping fails; the caller then reads f as a stream.
func mapFile(f *os.File) (data []byte, unmap func() error, ok bool) {
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() < minMapped || fi.Size() != int64(int(fi.Size())) {
		return nil, nil, false
	}
	if off, err := f.Seek(0, io.SeekCurrent); err != nil || off != 0 {
		return nil, nil, false
	}
	data, err = syscall.Mmap(int(f.Fd()), 0, int(fi.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, false
	}
	return data, func() error { return syscall.Munmap(data) }, true
}
