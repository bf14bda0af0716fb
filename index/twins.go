package index

import (
	"fmt"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/paperbot/paperbot/bot/paper"
)

// A source without ids (the trending-page format) gives a paper an id from
// its title (paper.TitleID); the same paper from a source with ids (Hugging
// Face, arXiv, the sample corpus) has its arXiv id. They are one paper
// (paper.SameWork): whichever comes second, the title-only one is merged
// into the other and deleted, so that a listing or a digest never shows it
// twice.

// twin merges p with its other self in the index, if it has one, adding the
// deletion of the title-only copy to b.
func (w *Writer) twin(p *paper.Paper, b *bleve.Batch) error {
	ix := w.ix
	if paper.IsTitleID(p.ID) {
		w.titleOnly++
		q, ok, err := ix.titleTwin(*p)
		if err != nil || !ok {
			return err
		}
		tid := p.ID
		p.ID = q.ID
		*p = paper.Merge(q, *p)
		b.Delete(tid) // an earlier ingest may have written it
		return nil
	}
	if w.seen != nil && w.titleOnly == 0 {
		return nil // a fresh index holds no title-only paper
	}
	tid := paper.TitleID(p.Title)
	if tid == "" || tid == p.ID {
		return nil
	}
	ix.awaitWrite(tid)
	old, ok, err := ix.get(tid)
	if err != nil {
		return fmt.Errorf("reading %s to merge it into %s: %w", tid, p.ID, err)
	}
	if ok && paper.SameWork(old, *p) {
		old.ID = p.ID
		*p = paper.Merge(old, *p)
		b.Delete(tid)
	}
	return nil
}

// titleTwin finds the paper the index holds under an id of its own for a
// paper known by its title only: the one paper whose title words are its
// title's and that is the same work (paper.SameWork). None when several
// are.
func (ix *Index) titleTwin(p paper.Paper) (paper.Paper, bool, error) {
	var qs []query.Query
	seen := map[string]bool{}
	for _, t := range ix.analyzers.plain.Analyze([]byte(p.Title)) {
		if term := string(t.Term); !seen[term] {
			seen[term] = true
			tq := query.NewTermQuery(term)
			tq.SetField(fTitleRaw)
			qs = append(qs, tq)
		}
	}
	if len(qs) == 0 {
		return paper.Paper{}, false, nil
	}
	res, err := ix.bi.Search(bleve.NewSearchRequestOptions(query.NewConjunctionQuery(qs), 10, 0, false))
	if err != nil {
		return paper.Paper{}, false, fmt.Errorf("looking for %q under another id: %w", p.Title, err)
	}
	var found paper.Paper
	n := 0
	for _, h := range res.Hits {
		if paper.IsTitleID(h.ID) {
			continue
		}
		q, ok, err := ix.get(h.ID)
		if err != nil {
			return paper.Paper{}, false, err
		}
		if ok && paper.SameWork(p, q) {
			found = q
			n++
		}
	}
	return found, n == 1, nil
}
