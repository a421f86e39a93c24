package plans

import "testing"

func TestEmbeddedPlans(t *testing.T) {
	cases := []struct {
		name      string
		id        string
		tasks     int
		fictional bool
	}{
		{"example-county-2025.yaml", "example-qingxi-2025", 3, true},
		{Seed, "nanyang-2024-2025", 30, false},
	}
	names := Names()
	if len(names) != len(cases) {
		t.Fatalf("embedded plans %v, want %d", names, len(cases))
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if names[i] != c.name {
				t.Fatalf("file %d is %s", i, names[i])
			}
			p, err := Load(c.name)
			if err != nil {
				t.Fatal(err)
			}
			if p.ID != c.id || len(p.Tasks) != c.tasks || p.Fictional != c.fictional {
				t.Errorf("%s: id %s, %d tasks, fictional %v", c.name, p.ID, len(p.Tasks), p.Fictional)
			}
		})
	}
	all, err := All()
	if err != nil || len(all) != 2 {
		t.Fatalf("All: %d plans, %v", len(all), err)
	}
	if _, err := Load("missing.yaml"); err == nil {
		t.Error("loading a missing plan succeeded")
	}
}
