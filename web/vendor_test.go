package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"strings"
	"testing"
)

// TestVendoredECharts checks that the embedded ECharts is the file the
// manifest describes, that the manifest's version is the one package-lock.json
// pins, and — where `npm ci` has run (always in CI) — that the embedded copy
// is byte-identical to the npm package's dist/echarts.min.js.
func TestVendoredECharts(t *testing.T) {
	got, err := fs.ReadFile(staticFS, "static/vendor/echarts.min.js")
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := fs.ReadFile(staticFS, "static/vendor/MANIFEST")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(manifest))
	if len(f) != 4 || f[0] != "echarts" || f[2] != "sha256" {
		t.Fatalf("MANIFEST = %q, want \"echarts VERSION sha256 HEX\"", manifest)
	}
	sum := sha256.Sum256(got)
	if hex.EncodeToString(sum[:]) != f[3] {
		t.Errorf("embedded echarts.min.js has sha256 %x, MANIFEST says %s; run sh web/ui/vendor.sh", sum, f[3])
	}
	lockb, err := os.ReadFile("ui/package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	var lock struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(lockb, &lock); err != nil {
		t.Fatal(err)
	}
	if v := lock.Packages["node_modules/echarts"].Version; v != f[1] {
		t.Errorf("package-lock.json pins echarts %q, MANIFEST records %q", v, f[1])
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	pb, err := os.ReadFile("ui/package.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(pb, &pkg); err != nil {
		t.Fatal(err)
	}
	if v := pkg.Dependencies["echarts"]; v != f[1] {
		t.Errorf("package.json asks for echarts %q, want it pinned exactly to %s", v, f[1])
	}
	npm, err := os.ReadFile("ui/node_modules/echarts/dist/echarts.min.js")
	switch {
	case err == nil:
		if !bytes.Equal(npm, got) {
			t.Errorf("web/static/vendor/echarts.min.js differs from node_modules/echarts/dist/echarts.min.js; run sh web/ui/vendor.sh")
		}
	case os.Getenv("CI") == "true":
		t.Errorf("CI: web/ui/node_modules is missing (npm ci must run first): %v", err)
	default:
		t.Logf("node_modules absent (run npm ci in web/ui to compare with the npm package): %v", err)
	}
}
