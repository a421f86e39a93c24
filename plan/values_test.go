package plan

import (
	"encoding/json"
	"testing"
)

func TestParseDecimal(t *testing.T) {
	cases := []struct {
		name, in string
		milli    int64
		str      string
		wantErr  bool
	}{
		{"integer", "3000", 3000000, "3000", false},
		{"one decimal", "76.5", 76500, "76.5", false},
		{"below one", "0.8", 800, "0.8", false},
		{"three decimals", "0.125", 125, "0.125", false},
		{"leading dot", ".5", 500, "0.5", false},
		{"trailing dot", "7.", 7000, "7", false},
		{"negative", "-10", -10000, "-10", false},
		{"explicit plus", "+2", 2000, "2", false},
		{"trailing zeros", "80.000", 80000, "80", false},
		{"four decimals refused", "0.1234", 0, "", true},
		{"exponent refused", "1e3", 0, "", true},
		{"empty", "", 0, "", true},
		{"lone dot", ".", 0, "", true},
		{"lone minus", "-", 0, "", true},
		{"letters", "12a", 0, "", true},
		{"full-width digits", "７６", 0, "", true},
		{"too large", "1234567890123", 0, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := ParseDecimal(c.in)
			if (err != nil) != c.wantErr {
				t.Fatalf("err %v, want error %v", err, c.wantErr)
			}
			if err != nil {
				return
			}
			if v.Milli() != c.milli || v.String() != c.str {
				t.Errorf("got %d thousandths %q, want %d %q", v.Milli(), v.String(), c.milli, c.str)
			}
		})
	}
}

func TestDecimalCompareExactly(t *testing.T) {
	// 76.5 % must meet ≥ 76.5 % exactly, and 0.8 must meet ≤ 0.8, which
	// float arithmetic on derived values does not guarantee.
	cases := []struct {
		name       string
		comparator string
		v, goal    string
		want       bool
	}{
		{"equal meets >=", ">=", "76.5", "76.5", true},
		{"just below fails >=", ">=", "76.499", "76.5", false},
		{"equal meets <=", "<=", "0.8", "0.8", true},
		{"just above fails <=", "<=", "0.801", "0.8", false},
		{"strict < on equal", "<", "4", "4", false},
		{"= on equal", "=", "0", "0.000", true},
		{"decrease_by reached", "decrease_by", "10", "10", true},
		{"unknown comparator never meets", "≥", "100", "1", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, _ := ParseDecimal(c.v)
			g, _ := ParseDecimal(c.goal)
			if got := compare(c.comparator, v, g); got != c.want {
				t.Errorf("%s %s %s = %v, want %v", c.v, c.comparator, c.goal, got, c.want)
			}
		})
	}
}

func TestDates(t *testing.T) {
	cases := []struct {
		name, in string
		wantErr  bool
		days     int // days until 2025-12-31
	}{
		{"year end", "2024-12-31", false, 365},
		{"leap day", "2024-02-29", false, 671},
		{"no leap day in 2025", "2025-02-29", true, 0},
		{"month 13", "2025-13-01", true, 0},
		{"Chinese form refused", "2025年9月30日", true, 0},
		{"plan end", "2025-12-31", false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := ParseDate(c.in)
			if (err != nil) != c.wantErr {
				t.Fatalf("err %v", err)
			}
			if err == nil && (d.DaysUntil(NewDate(2025, 12, 31)) != c.days || d.String() != c.in) {
				t.Errorf("%s: %d days, string %s", c.in, d.DaysUntil(NewDate(2025, 12, 31)), d)
			}
		})
	}
}

func TestJSONRoundTrip(t *testing.T) {
	type doc struct {
		D Date     `json:"d"`
		V Decimal  `json:"v"`
		P *Decimal `json:"p"`
	}
	in := doc{D: NewDate(2025, 9, 30), V: DecimalFromMilli(76500), P: nil}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"d":"2025-09-30","v":76.5,"p":null}` {
		t.Errorf("json %s", b)
	}
	var out doc
	if err := json.Unmarshal(b, &out); err != nil || out != in {
		t.Errorf("round trip %+v, %v", out, err)
	}
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"76.5", "0.8", "-10", "3000", ".5", "1e3", "0.1234", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseDecimal(s)
		if err != nil {
			return
		}
		w, err := ParseDecimal(v.String())
		if err != nil || w != v {
			t.Fatalf("%q → %s → %v, %v", s, v, w, err)
		}
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2024-12-31", "2025-02-29", "0000-01-01", "2025-1-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			return
		}
		if e, err := ParseDate(d.String()); err != nil || e != d {
			t.Fatalf("%q → %s → %v, %v", s, d, e, err)
		}
	})
}
