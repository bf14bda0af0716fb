// Package sample is paperbot's built-in sample corpus: the 194 papers of a
// trending-papers page (configs/sample/trending-papers.txt), joined with the
// arXiv ids, authors and code links verified for them
// (configs/sample/arxiv-ids.tsv). The console chat indexes it on first start.
package sample

import (
	"context"
	"fmt"
	"strings"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/configs"
	"github.com/paperbot/paperbot/index/sources"
)

// Papers reads the embedded sample corpus and joins the verified arXiv ids,
// authors and code links to it by title. Papers without a verified id keep
// the id derived from their title.
func Papers() ([]paper.Paper, error) {
	extra, err := readIDs(configs.SampleIDs)
	if err != nil {
		return nil, err
	}
	var papers []paper.Paper
	var bad []string
	err = sources.Parse(context.Background(), strings.NewReader(configs.SampleTrending), "sample/trending-papers.txt", sources.Trending, sources.Handler{
		Paper: func(p paper.Paper) error {
			if x, ok := extra[strings.ToLower(p.Title)]; ok {
				p.ID = x.ID
				p.Authors = x.Authors
				p.CodeURL = x.CodeURL
				p.Published = x.Published
				p.URL, p.PDFURL = "", ""
				if err := p.Normalize(); err != nil {
					return fmt.Errorf("sample paper %q: %w", p.Title, err)
				}
			}
			papers = append(papers, p)
			return nil
		},
		Reject: func(e *sources.RecordError) { bad = append(bad, e.Error()) },
	})
	if err != nil {
		return nil, err
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("sample corpus: %s", strings.Join(bad, "; "))
	}
	return papers, nil
}

// readIDs reads sample/arxiv-ids.tsv: arxiv_id, title, authors ("; "),
// code_url, evidence_url.
func readIDs(tsv string) (map[string]paper.Paper, error) {
	out := map[string]paper.Paper{}
	for i, line := range strings.Split(strings.TrimRight(tsv, "\n"), "\n") {
		if i == 0 || line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			return nil, fmt.Errorf("sample/arxiv-ids.tsv:%d: want 5 tab-separated fields, got %d", i+1, len(f))
		}
		id, ok := paper.ParseArxivID(f[0])
		if !ok {
			return nil, fmt.Errorf("sample/arxiv-ids.tsv:%d: %q is not an arXiv id", i+1, f[0])
		}
		p := paper.Paper{ID: id, CodeURL: f[3], Published: monthOf(id)}
		for _, a := range strings.Split(f[2], ";") {
			if a = strings.TrimSpace(a); a != "" {
				p.Authors = append(p.Authors, a)
			}
		}
		out[strings.ToLower(paper.FoldSpace(f[1]))] = p
	}
	return out, nil
}

// monthOf is the first day of the month a new-style arXiv id was issued in
// (2205.13760: May 2022). The sample has no exact dates; the month of first
// submission is what the id tells.
func monthOf(id string) string {
	if !paper.IsNewStyle(id) {
		return ""
	}
	return "20" + id[0:2] + "-" + id[2:4] + "-01"
}
