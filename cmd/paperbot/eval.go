package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
	"github.com/paperbot/paperbot/index/evaluate"
	"github.com/paperbot/paperbot/index/sources"
)

func runEval(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "eval")
	dir := fs.String("collection", "", "a directory with docs.jsonl, queries.jsonl and qrels.tsv (e.g. ../shared/datasets/cranfield)")
	docs := fs.String("docs", "", "documents, JSON Lines (overrides --collection)")
	queriesPath := fs.String("queries", "", "queries, JSON Lines {qid, text}")
	qrelsPath := fs.String("qrels", "", "judgments, qid<TAB>doc<TAB>gain")
	indexDir := fs.String("index", "", "index directory (default: a temporary one, built from --docs)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dir != "" {
		for _, f := range []struct {
			p    *string
			name string
		}{{docs, "docs.jsonl"}, {queriesPath, "queries.jsonl"}, {qrelsPath, "qrels.tsv"}} {
			if *f.p == "" {
				*f.p = filepath.Join(*dir, f.name)
			}
		}
	}
	if *queriesPath == "" || *qrelsPath == "" || (*docs == "" && *indexDir == "") {
		return usageError{"need --collection DIR, or --docs, --queries and --qrels"}
	}
	idx := *indexDir
	if idx != "" && *docs == "" {
		// Nothing to index: the queries run on the index as it is.
		if err := requireIndex(idx); err != nil {
			return err
		}
	}
	if idx == "" {
		tmp, err := os.MkdirTemp("", "paperbot-eval-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		idx = filepath.Join(tmp, "index")
	}
	scores, took, err := evalCollection(ctx, e.stderr, idx, *docs, *queriesPath, *qrelsPath)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "queries     %d\nnDCG@10     %.4f\nMAP@100     %.4f\nRecall@100  %.4f\nmean query  %s\n",
		scores.Queries, scores.NDCG10, scores.MAP100, scores.Recall100, took)
	return nil
}

// evalCollection indexes docs (when given) into dir and scores every query.
func evalCollection(ctx context.Context, warn io.Writer, dir, docs, queriesPath, qrelsPath string) (evaluate.Scores, time.Duration, error) {
	ix, err := index.Open(dir, index.Options{Bulk: true})
	if err != nil {
		return evaluate.Scores{}, 0, err
	}
	defer ix.Close()
	if docs != "" {
		f, err := os.Open(docs)
		if err != nil {
			return evaluate.Scores{}, 0, err
		}
		defer f.Close()
		w := ix.NewWriter(ctx, index.WriterOptions{})
		var rejected []string
		err = sources.Parse(ctx, f, docs, sources.JSONL, sources.Handler{
			Paper:  w.Add,
			Reject: func(re *sources.RecordError) { rejected = append(rejected, re.Error()) },
		})
		if err == nil {
			err = w.Close()
		}
		if err != nil {
			return evaluate.Scores{}, 0, err
		}
		for _, r := range rejected {
			// Empty documents cannot be retrieved; they still count as
			// misses where they are judged relevant.
			fmt.Fprintln(warn, "skipped", r)
		}
	}
	qf, err := os.Open(queriesPath)
	if err != nil {
		return evaluate.Scores{}, 0, err
	}
	defer qf.Close()
	queries, err := evaluate.ReadQueries(qf)
	if err != nil {
		return evaluate.Scores{}, 0, err
	}
	rf, err := os.Open(qrelsPath)
	if err != nil {
		return evaluate.Scores{}, 0, err
	}
	defer rf.Close()
	qrels, err := evaluate.ReadQrels(rf)
	if err != nil {
		return evaluate.Scores{}, 0, err
	}
	var per []evaluate.PerQuery
	start := time.Now()
	for _, q := range queries {
		res, err := ix.Search(ctx, paper.Query{Text: q.Text, Limit: 100})
		if err != nil {
			return evaluate.Scores{}, 0, fmt.Errorf("query %s: %w", q.ID, err)
		}
		ranking := make([]string, len(res.Hits))
		for i, h := range res.Hits {
			ranking[i] = h.Paper.ID
		}
		per = append(per, evaluate.Score(ranking, qrels[q.ID]))
	}
	took := time.Since(start) / time.Duration(max(1, len(queries)))
	return evaluate.Mean(per), took, nil
}
