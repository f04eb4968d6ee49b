// Package static holds the stylesheet and small scripts, embedded in the binary.
package static

import "embed"

// FS is the static file tree, served under /static.
//
//go:embed css favicon.svg
var FS embed.FS
