package paper

import "testing"

func TestRestoreNumberID(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"1909.0599", "1909.05990", true}, // a trailing zero lost
		{"1703.034", "1703.03400", true},  // two
		{"1501.1", "1501.10000", true},    // four
		{"805.051", "0805.0510", true},    // the year's zero and a trailing one
		{"1412.399", "1412.3990", true},   // before 1501: four digits
		{"0704.001", "0704.0010", true},   // the first month of new-style ids
		{"1909.05990", "", false},         // an id already
		{"0805.0510", "", false},          // an id already
		{"1412.39901", "", false},         // five digits before 1501: no number gives it
		{"0612.123", "", false},           // before new-style ids began
		{"1913.0599", "", false},          // no month 13
		{"12.5", "", false},               // too short a year
		{"hep-th/9901001", "", false},     // old style
		{"1909.0599v2", "", false},        // a version: not a number
		{"t-0123456789", "", false},       // a title id
		{"", "", false},
	} {
		got, ok := RestoreNumberID(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("RestoreNumberID(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNumberForm(t *testing.T) {
	for _, tt := range []struct{ id, want string }{
		{"1909.05990", "1909.0599"},
		{"1703.03400", "1703.034"},
		{"0805.0510", "805.051"},
		{"0805.0511", "805.0511"},
		{"1909.05991", ""},
		{"1501.10000", "1501.1"},
		{"1909.05990v2", ""},
		{"hep-th/9901001", ""},
		{"t-0123456789", ""},
	} {
		got := NumberForm(tt.id)
		if got != tt.want {
			t.Errorf("NumberForm(%q) = %q, want %q", tt.id, got, tt.want)
		}
		if got == "" {
			continue
		}
		if IsArxivID(got) {
			t.Errorf("NumberForm(%q) = %q is an arXiv id", tt.id, got)
		}
		if back, ok := RestoreNumberID(got); !ok || back != tt.id {
			t.Errorf("RestoreNumberID(NumberForm(%q)) = %q, %v", tt.id, back, ok)
		}
	}
}

func TestSameWork(t *testing.T) {
	base := Paper{Title: "Tranception: protein fitness prediction", Abstract: "The ability to accurately model the fitness landscape of protein sequences is critical."}
	for _, tt := range []struct {
		name string
		b    Paper
		want bool
	}{
		{"same", Paper{Title: "TRANCEPTION - Protein Fitness Prediction", Abstract: base.Abstract}, true},
		{"cut short", Paper{Title: base.Title, Abstract: "The ability to accurately model the fitness…"}, true},
		{"no abstract", Paper{Title: base.Title}, true},
		{"another abstract", Paper{Title: base.Title, Abstract: "We study protein design with diffusion."}, false},
		{"another title", Paper{Title: "Tranception", Abstract: base.Abstract}, false},
	} {
		if got := SameWork(base, tt.b); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
