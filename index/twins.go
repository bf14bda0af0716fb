package index

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
	bindex "github.com/blevesearch/bleve_index_api"

	"github.com/paperbot/paperbot/bot/paper"
)

// A source without ids (the trending-page format) gives a paper an id from
// its title (paper.TitleID); the same paper from a source with ids (Hugging
// Face, arXiv, the sample corpus) has its arXiv id. They are one paper
// (paper.SameWork): whichever comes second, the title-only one is merged
// into the other and deleted, so that a listing or a digest never shows it
// twice.
//
// Either way the paper keeps the title id as an alias (paper.Aliases,
// since mapping 12): a digest may have posted it, and a thread been
// started on it, under that id before its arXiv record came, and the
// digest ledger and the discussions that the state store keeps under the
// title id are the paper's (the bot looks them up by paper.IDs). The
// alias is recorded when the title-only copy comes second too: then this
// index never held it, but a replica's index that applied the same
// papers in another order may have, and the ledger is shared.

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
		p.AddAlias(tid)
		b.Delete(tid) // an earlier ingest may have written it
		return nil
	}
	if w.fresh && w.titleOnly == 0 {
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
		p.AddAlias(tid)
		b.Delete(tid)
	}
	return nil
}

// withAliasHolders is ids (a search's Exclude) with the papers that hold
// any of them as an alias: a paper must not be returned under its arXiv id
// when the id it was posted under is excluded.
func (ix *Index) withAliasHolders(ctx context.Context, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return ids, nil
	}
	r, err := ix.reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	out := ids
	for _, id := range ids {
		holders, err := aliasHolders(ctx, r, id)
		if err != nil {
			return nil, err
		}
		if len(holders) > 0 && len(out) == len(ids) {
			out = slices.Clone(ids)
		}
		out = append(out, holders...)
	}
	return out, nil
}

// aliasHolder is the paper that holds id as an alias (the paper a copy
// under id was merged into), if one does.
func (ix *Index) aliasHolder(ctx context.Context, id string) (paper.Paper, bool, error) {
	r, err := ix.reader()
	if err != nil {
		return paper.Paper{}, false, err
	}
	holders, err := aliasHolders(ctx, r, id)
	r.Close()
	if err != nil || len(holders) == 0 {
		return paper.Paper{}, false, err
	}
	return ix.get(holders[0])
}

// aliasHolders are the ids of the papers r holds with id as an alias.
func aliasHolders(ctx context.Context, r bindex.IndexReader, id string) ([]string, error) {
	tfr, err := r.TermFieldReader(ctx, []byte(strings.ToLower(id)), fAliases, false, false, false)
	if err != nil {
		return nil, fmt.Errorf("looking up the paper known as %s: %w", id, err)
	}
	defer tfr.Close()
	var out []string
	var d *bindex.TermFieldDoc
	for {
		if d, err = tfr.Next(d); err != nil || d == nil {
			break
		}
		var holder string
		if holder, err = r.ExternalID(d.ID); err != nil {
			break
		}
		out = append(out, holder)
	}
	if err != nil {
		return nil, fmt.Errorf("looking up the paper known as %s: %w", id, err)
	}
	return out, nil
}

// formerTitleID gives a record written before aliases were (mapping 11
// and older) the title id it was merged from: a record under an id of its
// own that lists the trending-page source (which has no ids) was merged
// with its title-only copy, and that copy's title id was its title's
// (paper.SameWork). A record merged from a title-only copy of another
// source's, or retitled since, has no alias: nothing records it.
func formerTitleID(p *paper.Paper) {
	if len(p.Aliases) > 0 || paper.IsTitleID(p.ID) {
		return
	}
	for src := range strings.SplitSeq(p.Source, ",") {
		if strings.TrimSpace(src) == sourceTrending {
			p.AddAlias(paper.TitleID(p.Title))
			return
		}
	}
}

// sourceTrending is the Source of the trending-page format's papers
// (sources.parseTrending).
const sourceTrending = "trending"

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
