package inspector

import (
	"embed"
	"io/fs"
)

//go:embed static
var static embed.FS

// Files returns the page's files, index.html at the root.
func Files() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic("inspector: " + err.Error()) // the directory is embedded above
	}
	return sub
}

// ContentSecurityPolicy is the policy the page is served with: scripts, styles, images and
// connections from the mock only, no frames of it elsewhere (clickjacking), no forms that post
// anywhere, no plugins.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
