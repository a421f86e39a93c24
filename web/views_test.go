package web

import (
	"testing"

	"github.com/lantian-aq/lantian/standard"
)

// TestConcText checks that tables show concentrations with the decimals
// the standard publishes them with (HJ 633: CO to 0.1 mg/m³, the others
// whole µg/m³), without dropping decimals a value really has.
func TestConcText(t *testing.T) {
	tests := []struct {
		name string
		p    standard.Pollutant
		c    standard.Conc
		want string
	}{
		{"CO whole mg/m³ keeps its published decimal", standard.CO, 2000, "2.0"},
		{"CO with one decimal", standard.CO, 1400, "1.4"},
		{"CO zero", standard.CO, 0, "0.0"},
		{"CO with more decimals than published", standard.CO, 850, "0.85"},
		{"PM2.5 whole µg/m³", standard.PM25, 35000, "35"},
		{"O3 whole µg/m³", standard.O3, 160000, "160"},
		{"absent", standard.CO, standard.Missing, "—"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Conc(tt.c).Text(tt.p); got != tt.want {
				t.Errorf("Conc(%d).Text(%v) = %q, want %q", tt.c, tt.p, got, tt.want)
			}
		})
	}
	if got := pollutantText("co", Conc(3000)); got != "3.0" {
		t.Errorf(`pollutantText("co", 3000) = %q, want "3.0"`, got)
	}
	if got := pollutantText("nope", Conc(3000)); got != "3" {
		t.Errorf(`pollutantText("nope", 3000) = %q, want "3"`, got)
	}
}
