package main

import "runtime/debug"

// serverGCPercent is the garbage collector's target for serve and demo when
// GOGC is not set. Go's default, 100, collects each time the heap doubles;
// Consentry's live heap is a few MiB and every request allocates, so at
// 100 the collector runs hundreds of times a second under load. At 400 the
// bench's refresh and revocation rates rose by 10–20 % for about 15 MiB
// more peak RSS (the README's performance section has the figures).
const serverGCPercent = 400

// applyServerGC sets serverGCPercent unless gogc (the GOGC environment
// variable) chooses otherwise, and reports whether it did.
func applyServerGC(gogc string) bool {
	if gogc != "" {
		return false
	}
	debug.SetGCPercent(serverGCPercent)
	return true
}
