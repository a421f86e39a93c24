package auth

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEDocumentsPolicyAndCast keeps the README's policy table and demo
// cast equal to the code.
func TestREADMEDocumentsPolicyAndCast(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	if !strings.Contains(readme, FormatPolicy()) {
		t.Errorf("README.md does not hold the current policy table; paste this under \"Who may do what\":\n%s", FormatPolicy())
	}
	for _, d := range DemoCast() {
		row := "| `" + d.User.Login + "` | "
		if d.Password != "" {
			row += "`" + d.Password + "` |"
		}
		if !strings.Contains(readme, row) {
			t.Errorf("README.md demo users lack %q", row)
		}
	}
}
