package configs

import (
	"fmt"
	"slices"
	"strings"

	"github.com/agnivade/levenshtein"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/internal/didyoumean"
)

// arxivArchives maps each arXiv archive that has a listing feed to its
// categories' subject classes (none: the archive is the category, as
// hep-th), from arXiv's category taxonomy
// (https://arxiv.org/category_taxonomy), aliases included (cs.NA is
// math.NA, math.MP is math-ph, ...). An archive is a feed of its own too
// (https://rss.arxiv.org/atom/cs).
var arxivArchives = map[string]string{
	"astro-ph": "CO EP GA HE IM SR",
	"cond-mat": "dis-nn mes-hall mtrl-sci other quant-gas soft stat-mech str-el supr-con",
	"cs":       "AI AR CC CE CG CL CR CV CY DB DC DL DM DS ET FL GL GR GT HC IR IT LG LO MA MM MS NA NE NI OH OS PF PL RO SC SD SE SI SY",
	"econ":     "EM GN TH",
	"eess":     "AS IV SP SY",
	"gr-qc":    "",
	"hep-ex":   "",
	"hep-lat":  "",
	"hep-ph":   "",
	"hep-th":   "",
	"math":     "AC AG AP AT CA CO CT CV DG DS FA GM GN GR GT HO IT KT LO MG MP NA NT OA OC PR QA RA RT SG SP ST",
	"math-ph":  "",
	"nlin":     "AO CD CG PS SI",
	"nucl-ex":  "",
	"nucl-th":  "",
	"physics":  "acc-ph ao-ph app-ph atm-clus atom-ph bio-ph chem-ph class-ph comp-ph data-an ed-ph flu-dyn gen-ph geo-ph hist-ph ins-det med-ph optics plasm-ph pop-ph soc-ph space-ph",
	"q-bio":    "BM CB GN MN NC OT PE QM SC TO",
	"q-fin":    "CP EC GN MF PM PR RM ST TR",
	"quant-ph": "",
	"stat":     "AP CO ME ML OT TH",
}

// arxivCategories lists every known category and archive, sorted.
var arxivCategories = func() []string {
	var all []string
	for archive, classes := range arxivArchives {
		all = append(all, archive)
		for _, c := range strings.Fields(classes) {
			all = append(all, archive+"."+c)
		}
	}
	slices.Sort(all)
	return all
}()

// checkArxivCategory reports why c is not a category arXiv has a listing
// feed for, or nil: categories are case-sensitive (cs.LG, not cs.lg), and
// a typo gets the nearest known ones.
func checkArxivCategory(c string) error {
	if _, found := slices.BinarySearch(arxivCategories, c); found {
		return nil
	}
	for _, k := range arxivCategories {
		if strings.EqualFold(k, c) {
			return fmt.Errorf("%q is not an arXiv category: categories are case-sensitive; write %s", c, k)
		}
	}
	if p := didyoumean.Phrase(nearestCategories(c)); p != "" {
		return fmt.Errorf("%q is not an arXiv category; %s", c, p)
	}
	if !paper.IsCategory(c) {
		return fmt.Errorf("%q is not an arXiv category (like cs.LG, hep-th or math.AG)", c)
	}
	return fmt.Errorf("%q is not an arXiv category (like cs.LG, hep-th or math.AG; the list is https://arxiv.org/category_taxonomy)", c)
}

// nearestCategories are the known categories closest to c by
// internal/didyoumean's rule: those at the smallest distance only (most
// of cs.* is two edits from any cs.XY), at most three.
func nearestCategories(c string) []string {
	near := didyoumean.Near(c, arxivCategories, false)
	if len(near) == 0 {
		return nil
	}
	dist := func(k string) int { return levenshtein.ComputeDistance(strings.ToLower(c), strings.ToLower(k)) }
	best := dist(near[0])
	var out []string
	for _, k := range near {
		if dist(k) == best && len(out) < 3 {
			out = append(out, k)
		}
	}
	return out
}
