package index

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/index/scorch"

	"github.com/paperbot/paperbot/bot/paper"
)

// Title-aware ranking. A pasted or half-typed title asks for one paper: its
// words are in many papers, but in that order only at the start of its
// title. Like Lucene's edismax pf/pf2 (phrase boosts on the title field),
// the best papers of the word search (rank.rerankDepth of them) get a bonus for
//
//   - the title being the query (exact),
//   - the title starting with the query (prefix; the last word may be half
//     typed, and a name that opens a title, "GraphRNN", is such a prefix),
//   - the query's word pairs standing together in the title (pf2, the
//     share of the pairs), or all of its words side by side in the
//     abstract (pf on the abstract: a share of 1; read from the index's
//     positions, phraseHolders). A paper whose abstract
//     holds "quantum error correction" is about it as much as one whose
//     title holds two of its words; by words alone, the papers titled
//     "... error correction" (with "quantum" nowhere) outranked the
//     quantum papers that say it in their abstracts,
//   - for a request of names alone ("Peter Hanggi", "crutchfield"), the
//     authors being those people: every name among the paper's authors.
//     Their names are rare in titles and abstracts, so a paper that cites
//     or is named after one of them ("the Sato-Crutchfield equations")
//     outscores their own papers by words alone, and a paper by another
//     Peter that mentions a Peter in its abstract ties with Hänggi's.
//     The same for a request of people and a topic ("Gallavotti KAM"):
//     their papers that hold every other word of it (an acronym held as
//     such or spelt out). A person's name is one word of the request
//     however many papers spell out its topic, and by words alone the
//     papers of anyone on the Kolmogorov-Arnold-Moser theorem came
//     before Gallavotti's on KAM.
//
// The bonus is a share of the best first-pass score, so it means the same
// for any query, and it is computed from the titles alone (word order
// needs no index). It only reorders: the papers are those the words found.

// titleQuery is a query's words as rerank compares them with titles.
type titleQuery struct {
	plain []string   // lower-cased words, stop words kept, unstemmed
	stems []termInfo // English terms at their positions
	pairs []termPair // consecutive terms, with their distance
	total float64    // summed weight of pairs
	typed int        // stems[:typed] are the query's own, the rest its acronyms' expansions
	// phrased are the papers that hold the query's own terms as a
	// phrase, among those read (readPhrases).
	phrased, read map[string]bool
	// required: the query is one quoted phrase and nothing else, which
	// every paper found holds; none need reading.
	required bool
	// names, for a request of names alone or of people and a topic, are
	// the author-name terms a paper's authors must all hold for the
	// author bonus; topic the English terms of the request's other words,
	// which its title and abstract must hold too (a term is held when
	// it is, or, for a word typed as an acronym (acronyms), when every
	// term of the acronyms' expansions, alt, is).
	names      []termInfo
	topic, alt []termInfo
	acronyms   map[string]bool
}

// authorsAsked are the people a request names, when it is names alone
// or people and a topic, and the topic's terms.
type authorsAsked struct {
	names, topic []termInfo
	acronyms     map[string]bool // the topic's terms typed as acronyms
}

// askedAuthors reads the people a request names (names, onlyNames:
// nameTerms) and the rest of its words: names alone are the request; else
// the words held more often in author names than in titles and abstracts
// are the people, and the other words the topic. A word typed in capitals
// that is no one's name ("KAM", "Time Sharing System") is topic; a request
// with no such person, or no topic, names no one.
func (ix *Index) askedAuthors(words []string, names []termInfo, onlyNames bool) authorsAsked {
	if onlyNames {
		return authorsAsked{names: names}
	}
	if len(names) == 0 {
		return authorsAsked{}
	}
	snap, err := ix.rawSnapshot()
	if err != nil {
		return authorsAsked{}
	}
	defer snap.Close()
	var ask authorsAsked
	var rest []string
	for _, w := range words {
		stems := ix.english.Analyze([]byte(w))
		person := len(stems) > 0
		for _, t := range ix.names.Analyze([]byte(w)) {
			term := string(t.Term)
			if utf8.RuneCountInString(term) < 2 || !mostlyAName(snap.Segments(), term, stems) {
				person = false
				continue
			}
			if !slices.ContainsFunc(ask.names, func(n termInfo) bool { return n.term == term }) {
				ask.names = append(ask.names, termInfo{term: term, field: fAuthors})
			}
		}
		if !person {
			rest = append(rest, w)
			if isAcronym(w) {
				for _, t := range stems {
					if ask.acronyms == nil {
						ask.acronyms = map[string]bool{}
					}
					ask.acronyms[string(t.Term)] = true
				}
			}
		}
	}
	ask.topic = ix.queryTerms(strings.Join(rest, " "))
	if len(ask.names) == 0 || len(ask.topic) == 0 {
		return authorsAsked{}
	}
	return ask
}

// holdsTopic reports whether a paper's title and abstract hold every term
// of the topic (none: true), an acronym's expansion standing for it.
func (ix *Index) holdsTopic(tq *titleQuery, p paper.Paper) bool {
	if len(tq.topic) == 0 {
		return true
	}
	have := map[string]bool{}
	for _, t := range ix.english.Analyze([]byte(p.Title + "\n" + p.Abstract)) {
		have[string(t.Term)] = true
	}
	spelt := len(tq.alt) > 0
	for _, t := range tq.alt {
		spelt = spelt && have[t.term]
	}
	for _, t := range tq.topic {
		if !have[t.term] && !(spelt && tq.acronyms[t.term]) {
			return false
		}
	}
	return true
}

type termPair struct {
	a, b   string
	gap    int
	weight float64
}

// newTitleQuery prepares the query's words; the expansions of its acronyms
// (extra) count in pairs only.
func (ix *Index) newTitleQuery(words, extra []string) *titleQuery {
	text := strings.Join(words, " ")
	tq := &titleQuery{}
	for _, t := range ix.plain.Analyze([]byte(text)) {
		tq.plain = append(tq.plain, string(t.Term))
	}
	tq.typed = len(ix.english.Analyze([]byte(text)))
	if len(extra) > 0 {
		text += " " + strings.Join(extra, " ")
	}
	for _, t := range ix.english.Analyze([]byte(text)) {
		tq.stems = append(tq.stems, termInfo{term: string(t.Term), pos: t.Position, weight: 1})
	}
	for i := 1; i < len(tq.stems); i++ {
		a, b := tq.stems[i-1], tq.stems[i]
		p := termPair{a: a.term, b: b.term, gap: b.pos - a.pos, weight: 1}
		tq.pairs = append(tq.pairs, p)
		tq.total += p.weight
	}
	return tq
}

// titleFeatures scores one title: exact and prefix are 0 or 1, pairs the
// weighted share of the query's pairs found in the title.
func (ix *Index) titleFeatures(tq *titleQuery, title string) (exact, prefix, pairs float64) {
	var plain []string
	for _, t := range ix.plain.Analyze([]byte(title)) {
		plain = append(plain, string(t.Term))
	}
	n := len(tq.plain)
	if n > 0 && n <= len(plain) {
		same := true
		for i, w := range tq.plain {
			last := i == n-1
			if plain[i] != w && !(last && len(w) >= 3 && strings.HasPrefix(plain[i], w)) {
				same = false
				break
			}
		}
		if same {
			if n == len(plain) && tq.plain[n-1] == plain[n-1] {
				exact = 1
			}
			prefix = 1
		}
	}
	if tq.total > 0 {
		pos := map[string][]int{}
		for _, t := range ix.english.Analyze([]byte(title)) {
			pos[string(t.Term)] = append(pos[string(t.Term)], t.Position)
		}
		var got float64
		for _, p := range tq.pairs {
			for _, pa := range pos[p.a] {
				if slices.Contains(pos[p.b], pa+p.gap) {
					got += p.weight
					break
				}
			}
		}
		pairs = got / tq.total
	}
	return exact, prefix, pairs
}

// readPhrases notes in tq which of the hits not read before hold the
// query as a phrase (phraseHolders): the second pass of feedback reranks
// many of the first's papers again.
func (ix *Index) readPhrases(ctx context.Context, tq *titleQuery, hits []paper.Hit) {
	if tq.typed < 2 {
		return
	}
	if tq.read == nil {
		tq.read, tq.phrased = map[string]bool{}, map[string]bool{}
	}
	var ids []string
	for _, h := range hits {
		if !tq.read[h.Paper.ID] {
			tq.read[h.Paper.ID] = true
			if tq.required {
				tq.phrased[h.Paper.ID] = true
				continue
			}
			ids = append(ids, h.Paper.ID)
		}
	}
	maps.Copy(tq.phrased, ix.phraseHolders(ctx, tq, ids))
}

// phraseHolders are those of ids whose title and abstract hold the
// query's own terms (two or more) side by side, in order, at the query's
// gaps: a phrase search of the index (phrase.go) within those papers,
// which reads the positions of their words and analyses no text. None
// when the index cannot be read so.
func (ix *Index) phraseHolders(ctx context.Context, tq *titleQuery, ids []string) map[string]bool {
	terms := tq.stems[:tq.typed]
	if len(terms) < 2 || len(ids) == 0 {
		return nil
	}
	snap, ok := ix.snapshot()
	if !ok {
		return nil
	}
	defer snap.Close()
	phrase := make([]phraseTerm, len(terms))
	for i, t := range terms {
		phrase[i] = phraseTerm{stats: &clauseStats{wordClause: wordClause{field: fText, term: []byte(t.term)}}, offset: uint64(t.pos - terms[0].pos)}
	}
	out := map[string]bool{}
	for _, s := range snap.Segments() {
		if !holdsEvery(s, phrase) {
			continue // (cheaper than looking the papers up in it)
		}
		within, err := s.DocNumbers(ids)
		if err != nil || within.IsEmpty() {
			continue
		}
		_ = eachPhraseMatch(ctx, s, phrase, nil, within, false, func(d uint64, _ float64) {
			if id, err := s.DocID(d); err == nil {
				out[string(id)] = true
			}
		})
	}
	return out
}

// holdsEvery reports whether some paper of the segment holds each of the
// phrase's terms.
func holdsEvery(s *scorch.SegmentSnapshot, phrase []phraseTerm) bool {
	for _, t := range phrase {
		d, err := s.Segment().Dictionary(t.stats.field)
		if err != nil {
			return false
		}
		if ok, err := d.Contains(t.stats.term); err != nil || !ok {
			return false
		}
	}
	return true
}

// rerank reorders the first rank.rerankDepth hits by their titles' features. It
// reports whether the best paper's title is the query or starts with it:
// a lookup of one known paper, which feedback would only lead astray.
func (ix *Index) rerank(ctx context.Context, tq *titleQuery, hits []paper.Hit) (titleMatch bool) {
	rp := ix.rank
	if len(hits) == 0 || rp.exactBonus+rp.prefixBonus+rp.pairBonus == 0 || len(tq.plain) == 0 {
		return false
	}
	n := min(len(hits), rp.rerankDepth)
	best := hits[0].Score
	matched := make(map[string]bool, n)
	if rp.pairBonus > 0 {
		ix.readPhrases(ctx, tq, hits[:n])
	}
	for i := range hits[:n] {
		e, p, pr := ix.titleFeatures(tq, hits[i].Paper.Title)
		if pr < 1 && tq.phrased[hits[i].Paper.ID] {
			pr = 1 // the query as a phrase in the abstract
		}
		var a float64
		if ix.byEveryName(tq.names, hits[i].Paper.Authors) && ix.holdsTopic(tq, hits[i].Paper) {
			a = 1
		}
		hits[i].Score += best * (rp.exactBonus*e + rp.prefixBonus*p + rp.pairBonus*pr + rp.authorBonus*a)
		if (e > 0 && rp.exactBonus > 0) || (p > 0 && rp.prefixBonus > 0) || (a > 0 && rp.authorBonus > 0) {
			matched[hits[i].Paper.ID] = true
		}
	}
	slices.SortStableFunc(hits[:n], func(a, b paper.Hit) int { return cmp.Compare(b.Score, a.Score) })
	return matched[hits[0].Paper.ID]
}

// byEveryName reports whether authors hold every one of the name terms
// (none: false).
func (ix *Index) byEveryName(names []termInfo, authors []string) bool {
	if len(names) == 0 || len(authors) == 0 {
		return false
	}
	have := map[string]bool{}
	for _, t := range ix.names.Analyze([]byte(strings.Join(authors, " "))) {
		have[string(t.Term)] = true
	}
	for _, n := range names {
		if !have[n.term] {
			return false
		}
	}
	return true
}
