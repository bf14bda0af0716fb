package index

import (
	"bytes"
	"fmt"

	"github.com/blevesearch/bleve/v2/index/scorch"

	"github.com/paperbot/paperbot/bot/paper"
)

// formerAliasesKey marks an index whose papers merged from a trending
// page's copy before aliases were recorded (mapping 11 and older) have the
// title id restored from their records (formerTitleID) indexed.
const formerAliasesKey = "paperbot.former_aliases_indexed"

// formerAliasesBatch is how many papers the pass writes per batch.
const formerAliasesBatch = 1000

// indexFormerAliases writes again, once per index, the papers whose
// records were written before aliases were and from which formerTitleID
// restores the title id of their trending-page copy. Read, they have it;
// but the aliases field did not hold it until the paper was written
// again, so a lookup by that id (the id a digest posted it under: the
// ledger, the saved papers, the threads) and a search's Exclude missed
// it.
//
// Only papers with a trending score are read: a trending page's paper
// has its rank, which never decays (paper.ExplainTrending), and keeps it
// when merged. An index of the arXiv snapshot has none: on a copy of the
// 250k eval index the pass read nothing (26 µs; the first open, which
// also writes the mark, 63 ms, the next 2.3 ms), where decoding all
// 250k records takes 2.7 s. An index fed by Hugging Face decodes its
// trending papers once (about 11 µs each). It returns how many papers
// it wrote.
func (ix *Index) indexFormerAliases() (int, error) {
	if done, err := ix.bi.GetInternal([]byte(formerAliasesKey)); err != nil || done != nil {
		return 0, err
	}
	ps, err := ix.formerAliasPapers()
	if err != nil {
		return 0, err
	}
	for start := 0; start < len(ps); start += formerAliasesBatch {
		b := ix.bi.NewBatch()
		for i := start; i < min(start+formerAliasesBatch, len(ps)); i++ {
			doc, err := ix.document(&ps[i])
			if err != nil {
				return 0, fmt.Errorf("paper %s: %w", ps[i].ID, err)
			}
			if err := b.IndexAdvanced(doc); err != nil {
				return 0, fmt.Errorf("paper %s: %w", ps[i].ID, err)
			}
		}
		if err := ix.bi.Batch(b); err != nil {
			return 0, err
		}
	}
	if err := ix.bi.SetInternal([]byte(formerAliasesKey), []byte("1")); err != nil {
		return 0, err
	}
	return len(ps), nil
}

// formerAliasPapers are the papers with a trending score whose records
// are older than aliases and give them one.
func (ix *Index) formerAliasPapers() ([]paper.Paper, error) {
	snap, err := ix.rawSnapshot()
	if err != nil {
		return nil, err
	}
	defer snap.Close()
	var out []paper.Paper
	for _, s := range snap.Segments() {
		live := s.DocNumbersLive()
		docs, ok, err := termDocs(s, fHasTrending, hasTrendingTerm)
		switch {
		case err != nil:
			return nil, err
		case ok:
			docs.And(live)
		default:
			docs = live // a segment that cannot give the postings: every paper
		}
		for it := docs.Iterator(); it.HasNext(); {
			raw, err := segmentRecord(s, it.Next())
			if err != nil {
				return nil, err
			}
			p, older, err := ix.rec.decodeAged(raw)
			if err != nil {
				return nil, err
			}
			if older && len(p.Aliases) > 0 {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// segmentRecord reads the stored record of a segment's document.
func segmentRecord(s *scorch.SegmentSnapshot, local uint32) ([]byte, error) {
	var raw []byte
	err := s.VisitDocument(uint64(local), func(field string, _ byte, value []byte, _ []uint64) bool {
		if field == fSource {
			raw = bytes.Clone(value)
			return false
		}
		return true
	})
	return raw, err
}
