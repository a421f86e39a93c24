package gateway

import (
	"strings"
	"testing"
)

func TestCheckRegistration(t *testing.T) {
	ok := Device{MN: "010000A8900016F000169DC0", Password: "123456", Station: "2403A", ST: "22"}
	tests := []struct {
		name string
		edit func(d *Device)
		want string // substring of the error; empty for valid
	}{
		{"valid 2017", func(d *Device) {}, ""},
		{"valid 2005 MN, any ST", func(d *Device) { d.MN, d.ST = "88888880000001", "" }, ""},
		{"CEMS", func(d *Device) { d.ST = "31" }, ""},
		{"no MN", func(d *Device) { d.MN = "" }, "mn: required"},
		{"MN with separator", func(d *Device) { d.MN = "AB;CN=9014" }, `byte 3 is ';'`},
		{"MN with space", func(d *Device) { d.MN = "AB CD" }, "without spaces"},
		{"MN non-ASCII", func(d *Device) { d.MN = "南阳01" }, "printable ASCII"},
		{"MN too long", func(d *Device) { d.MN = strings.Repeat("A", 65) }, "65 bytes, at most 64"},
		{"no password", func(d *Device) { d.Password = "" }, "password: required"},
		{"password with &", func(d *Device) { d.Password = "12&34" }, "password (hidden): byte 3"},
		{"no station", func(d *Device) { d.Station = " " }, "station: required"},
		{"ST one char", func(d *Device) { d.ST = "2" }, "two-character system code"},
		{"ST lower case", func(d *Device) { d.ST = "2a" }, "two-character system code"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := ok
			tc.edit(&d)
			err := CheckRegistration(d)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want one containing %q", err, tc.want)
			case err != nil && d.Password != "" && strings.Contains(err.Error(), d.Password):
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
}
