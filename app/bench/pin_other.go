//go:build !linux

package bench

import "errors"

// pinDriver is only implemented on Linux.
func pinDriver(int) error { return errors.New("CPU pinning needs Linux") }

// flushSeedWrites leaves write-back to the system where it is not Linux.
func flushSeedWrites() {}
