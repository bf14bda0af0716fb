package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
)

// searchHit is one line of `paperbot search --json`. Empty fields are
// left out, the score too: a query of filters alone (cat:cs.LG, a date
// range) has none to give, its papers in date order.
type searchHit struct {
	Rank       int      `json:"rank"`
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Score      float64  `json:"score,omitempty"`
	Authors    []string `json:"authors,omitempty"`
	Categories []string `json:"categories,omitempty"`
	Published  string   `json:"published,omitempty"`
	URL        string   `json:"url,omitempty"`
	Snippet    string   `json:"snippet,omitempty"`
}

func runSearch(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "search")
	cfgPath := fs.String("config", "", "configuration file")
	indexDir := fs.String("index", "", "index directory (default <data_dir>/index)")
	limit := fs.Int("limit", 10, "number of results (1-100)")
	sortName := fs.String("sort", "relevance", "order: relevance, recent or trending")
	asJSON := fs.Bool("json", false, "print one JSON object per hit, in rank order")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if flagAfterArgs(fs, args) != "" {
		return usageError{"flags go before the query: paperbot search [--index DIR] [--limit N] [--json] QUERY..."}
	}
	if *limit < 1 || *limit > 100 {
		return usageError{fmt.Sprintf("--limit %d is not between 1 and 100", *limit)}
	}
	order, ok := paper.ParseSort(*sortName)
	if !ok {
		return usageError{fmt.Sprintf("--sort %q is not relevance, recent or trending", *sortName)}
	}
	q := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(q) == "" {
		return usageError{"what should I search for? Usage: paperbot search [--json] QUERY..."}
	}
	cfg, err := loadConfig(*cfgPath, e)
	if err != nil {
		return err
	}
	if *indexDir != "" {
		cfg.Index = *indexDir
	}
	if err := requireIndex(cfg.Index); err != nil {
		return err
	}
	ix, err := index.Open(cfg.Index, indexOptions(cfg, newLogger(cfg, e.stderr)))
	if err != nil {
		return err
	}
	defer ix.Close()
	res, err := ix.Search(ctx, paper.Query{Text: q, Limit: *limit, Sort: order})
	if err != nil {
		if m := fault.UserMessage(err); m != "" && fault.KindOf(err) != fault.Internal {
			return fmt.Errorf("%s", m)
		}
		return err
	}
	for _, n := range res.Notes {
		fmt.Fprintln(e.stderr, "note:", n)
	}
	if res.DidYouMean != "" {
		fmt.Fprintf(e.stderr, "showing results for: %s\n", res.DidYouMean)
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		for i, h := range res.Hits {
			if err := enc.Encode(searchHit{
				Rank: i + 1, ID: h.Paper.ID, Title: h.Paper.Title, Score: h.Score,
				Authors: h.Paper.Authors, Categories: h.Paper.Categories, Published: h.Paper.Published, URL: h.Paper.URL,
				Snippet: paper.PlainText(h.Snippet),
			}); err != nil {
				return err
			}
		}
		return nil
	}
	if len(res.Hits) == 0 {
		fmt.Fprintln(e.stdout, "no papers found")
		return nil
	}
	for i, h := range res.Hits {
		fmt.Fprintf(e.stdout, "%2d. %s  [%s]\n", i+1, h.Paper.Title, h.Paper.ID)
		meta := bot.AuthorLine(h.Paper.Authors, 3)
		if h.Paper.Published != "" {
			meta = strings.TrimPrefix(meta+" · "+h.Paper.Published, " · ")
		}
		if meta != "" {
			fmt.Fprintf(e.stdout, "    %s\n", meta)
		}
		if s := paper.PlainText(h.Snippet); s != "" {
			fmt.Fprintf(e.stdout, "    %s\n", s)
		}
	}
	fmt.Fprintf(e.stdout, "%d of %d\n", len(res.Hits), res.Total)
	return nil
}
