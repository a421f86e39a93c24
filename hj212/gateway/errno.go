package gateway

import "syscall"

// syscallEMFILE is the accept error when the process is out of file
// descriptors; the gateway backs off instead of stopping.
var syscallEMFILE error = syscall.EMFILE
