package index

import (
	"slices"
	"testing"
)

func TestAmericanize(t *testing.T) {
	same := func(a, b string) {
		t.Helper()
		if americanize(a) != americanize(b) {
			t.Errorf("%q -> %q and %q -> %q: want one spelling", a, americanize(a), b, americanize(b))
		}
	}
	for _, p := range [][2]string{
		{"normalising", "normalizing"}, {"normalisation", "normalization"}, {"optimised", "optimized"},
		{"organisational", "organizational"}, {"analyse", "analyze"}, {"analysed", "analyzed"},
		{"colour", "color"}, {"behavioural", "behavioral"}, {"neighbourhood", "neighborhood"},
		{"centre", "center"}, {"centred", "centered"}, {"metres", "meters"}, {"catalogue", "catalog"},
		{"analogue", "analog"}, {"defence", "defense"}, {"haemoglobin", "hemoglobin"}, {"grey", "gray"},
		{"criticise", "criticize"}, {"randomised", "randomized"},
	} {
		same(p[0], p[1])
	}
	// Words that only look British are left alone.
	for _, w := range []string{"precise", "promise", "otherwise", "pairwise", "advise", "revised", "exercise",
		"noise", "raised", "surprising", "enterprise", "analysis", "four", "hour", "contour", "rising", "expertise", "premises"} {
		if got := americanize(w); got != w {
			t.Errorf("americanize(%q) = %q, want it unchanged", w, got)
		}
	}
}

func TestAcronymExpansions(t *testing.T) {
	for _, tt := range []struct{ text, acr, want string }{
		{"We build on Model-Agnostic Meta-Learning (MAML) for few shots.", "MAML", "model-agnostic meta-learning"},
		{"In operator quantum error correction (OQEC), codes...", "OQEC", "operator quantum error correction"},
		{"the Time Sharing System (TSS) for IBM computers", "TSS", "time sharing system"},
		{"a theory of error (MAML) unrelated", "MAML", ""},
		{"no parenthesis MAML here", "MAML", ""},
		{"Generative adversarial networks (GANs) are...", "GAN", "generative adversarial networks"},
		{"the recently proposed model-agnostic meta learning algorithm (MAML) adapts", "MAML", "model-agnostic meta learning"},
	} {
		got := expansionsIn(tt.text, tt.acr)
		if tt.want == "" {
			if len(got) != 0 {
				t.Errorf("%q in %q: %q, want none", tt.acr, tt.text, got)
			}
			continue
		}
		if len(got) != 1 || got[0] != tt.want {
			t.Errorf("%q in %q: %q, want %q", tt.acr, tt.text, got, tt.want)
		}
	}
	for w, want := range map[string]bool{"MAML": true, "OQEC": true, "srsLTE": true, "Maml": false, "the": false, "XNOR-Net": false, "A": false} {
		if isAcronym(w) != want {
			t.Errorf("isAcronym(%q) = %v", w, !want)
		}
	}
}

func TestAcronymDefinitions(t *testing.T) {
	for _, tt := range []struct {
		text string
		want []definition
	}{
		{"Lattice quantum chromodynamics (QCD) at finite density.", []definition{{"QCD", "quantum chromodynamics"}}},
		{"We build on Model-Agnostic Meta-Learning (MAML) and (see Fig. 2) more.", []definition{{"MAML", "Model-Agnostic Meta-Learning"}}},
		{"Generative adversarial networks (GANs) and the large hadron collider (LHC).", []definition{{"GAN", "Generative adversarial networks"}, {"LHC", "large hadron collider"}}},
		{"in this work (QCD) we", nil},
		{"(QCD) first", nil},
		{"an open (QCD", nil},
	} {
		if got := definitions(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("definitions(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}
