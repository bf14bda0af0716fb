package index

import (
	"strings"

	"github.com/blevesearch/bleve/v2/analysis"
)

// British and American spellings of a word are one term: the English
// analysis writes the American spelling before stemming, in papers and in
// queries alike, so "normalising flows" finds normalizing flows and
// "colour" finds color. The rules are the regular spelling differences
// (-ise/-ize, -isation/-ization, -yse/-yze, -our/-or, -tre/-ter,
// -ogue/-og, -ence/-ense, ae/oe in medical words) with their inflections;
// words that only look British (precise, promise, otherwise, analysis) are
// left alone. Porter stemming already folds the doubled l (modelling,
// labelled, travelled).

// americanFilter is the token filter; it only rewrites lower-cased words.
type americanFilter struct{}

var _ analysis.TokenFilter = americanFilter{}

func (americanFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, t := range in {
		if len(t.Term) < 4 {
			continue
		}
		if a := americanize(string(t.Term)); a != string(t.Term) {
			t.Term = []byte(a)
		}
	}
	return in
}

// iseEndings are the inflections of -ise (and their -ize forms).
var iseEndings = []string{"isations", "isation", "isational", "isable", "ising", "isers", "iser", "ises", "ised", "ise"}

// genuineIse are words whose -ise is not the British form of an -ize
// (the American spelling is the same), matched on the -ise base form.
var genuineIse = map[string]bool{
	"advertise": true, "anise": true, "arise": true, "chastise": true, "circumcise": true, "comprise": true,
	"compromise": true, "concise": true, "demise": true, "excise": true, "exercise": true, "expertise": true,
	"imprecise": true, "incise": true, "merchandise": true, "mortise": true, "paradise": true, "precise": true,
	"premise": true, "promise": true, "rise": true, "sunrise": true, "uprise": true, "moonrise": true,
	"surmise": true, "chemise": true, "treatise": true, "valise": true, "reprise": true,
}

// genuineIseEnding are endings of such words (likewise, advise, cruise, noise, praise, surprise).
var genuineIseEnding = []string{"wise", "vise", "uise", "oise", "aise", "prise", "chise", "eise"}

// ourStems are words spelt -our in Britain and -or in America; any word
// containing one (colourful, behavioural, neighbourhood) is rewritten.
var ourStems = []string{
	"ardour", "armour", "behaviour", "candour", "clamour", "colour", "endeavour", "favour", "fervour",
	"flavour", "harbour", "honour", "humour", "labour", "neighbour", "odour", "parlour", "rigour",
	"rumour", "saviour", "savour", "splendour", "tumour", "valour", "vapour", "vigour",
}

// wordMap holds the irregular differences, with their inflections made by
// inflect.
var wordMap = func() map[string]string {
	m := map[string]string{}
	pairs := [][2]string{
		{"centre", "center"}, {"epicentre", "epicenter"}, {"metre", "meter"}, {"litre", "liter"},
		{"fibre", "fiber"}, {"theatre", "theater"}, {"calibre", "caliber"}, {"spectre", "specter"},
		{"lustre", "luster"}, {"sombre", "somber"}, {"meagre", "meager"}, {"sabre", "saber"},
		{"kilometre", "kilometer"}, {"centimetre", "centimeter"}, {"millimetre", "millimeter"},
		{"micrometre", "micrometer"}, {"nanometre", "nanometer"},
		{"catalogue", "catalog"}, {"analogue", "analog"}, {"dialogue", "dialog"}, {"monologue", "monolog"},
		{"prologue", "prolog"}, {"epilogue", "epilog"},
		{"defence", "defense"}, {"offence", "offense"}, {"licence", "license"}, {"pretence", "pretense"},
		{"programme", "program"}, {"artefact", "artifact"}, {"aluminium", "aluminum"}, {"grey", "gray"},
		{"ageing", "aging"}, {"judgement", "judgment"}, {"acknowledgement", "acknowledgment"},
		{"sulphur", "sulfur"}, {"sulphate", "sulfate"}, {"sulphide", "sulfide"}, {"caesium", "cesium"},
		{"oestrogen", "estrogen"}, {"foetus", "fetus"}, {"foetal", "fetal"}, {"anaemia", "anemia"},
		{"leukaemia", "leukemia"}, {"haemoglobin", "hemoglobin"}, {"haemorrhage", "hemorrhage"},
		{"anaesthesia", "anesthesia"}, {"anaesthetic", "anesthetic"}, {"paediatric", "pediatric"},
		{"orthopaedic", "orthopedic"}, {"oesophagus", "esophagus"}, {"aetiology", "etiology"},
		{"diarrhoea", "diarrhea"}, {"manoeuvre", "maneuver"}, {"plough", "plow"}, {"mould", "mold"},
		{"tyre", "tire"}, {"cheque", "check"}, {"enrolment", "enrollment"}, {"fulfil", "fulfill"},
		{"skilful", "skillful"}, {"practise", "practice"},
	}
	for _, p := range pairs {
		for _, f := range inflect(p[0], p[1]) {
			m[f[0]] = f[1]
		}
	}
	return m
}()

// inflect lists the inflected forms of a British word beside those of its
// American spelling: plural, past tense, participle.
func inflect(b, a string) [][2]string {
	out := [][2]string{{b, a}, {b + "s", a + "s"}}
	bStem, aStem := b, a
	if strings.HasSuffix(b, "e") {
		bStem = b[:len(b)-1]
	}
	if strings.HasSuffix(a, "e") {
		aStem = a[:len(a)-1]
	}
	out = append(out, [2]string{bStem + "ed", aStem + "ed"}, [2]string{bStem + "ing", aStem + "ing"})
	return out
}

// americanize returns the American spelling of a lower-cased word (the
// word itself when there is no difference).
func americanize(w string) string {
	if a, ok := wordMap[w]; ok {
		return a
	}
	for _, end := range iseEndings {
		if !strings.HasSuffix(w, end) || len(w)-len(end) < 2 {
			continue
		}
		stem := w[:len(w)-len(end)]
		base := stem + "ise"
		if genuineIse[base] {
			return w
		}
		for _, g := range genuineIseEnding {
			if strings.HasSuffix(base, g) {
				return w
			}
		}
		return stem + "iz" + end[2:]
	}
	for _, end := range []string{"ysers", "yser", "yses", "ysed", "ysing", "yse"} {
		if strings.HasSuffix(w, end) && len(w)-len(end) >= 3 {
			return w[:len(w)-len(end)] + "yz" + end[2:]
		}
	}
	if strings.Contains(w, "our") {
		for _, s := range ourStems {
			if i := strings.Index(w, s); i >= 0 {
				return w[:i] + s[:len(s)-2] + "r" + w[i+len(s):]
			}
		}
	}
	return w
}
