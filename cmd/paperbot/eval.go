package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/paperbot/paperbot/index"
	"github.com/paperbot/paperbot/index/evaluate"
)

func runEval(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "eval")
	datasets := fs.String("datasets", "", "run every collection under this directory that has qrels.tsv (default ../shared/datasets)")
	sharedDocs := fs.String("shared-docs", "", "documents of collections without docs.jsonl, such as known-item sets (default DATASETS/arxiv/arxiv-250k.jsonl.xz)")
	dir := fs.String("collection", "", "only this collection: a directory with queries.jsonl, qrels.tsv and docs.jsonl (e.g. ../shared/datasets/cranfield)")
	docs := fs.String("docs", "", "documents, JSON Lines (.gz, .xz too; overrides the collection's)")
	queriesPath := fs.String("queries", "", "queries, JSON Lines {qid, text[, class]}")
	qrelsPath := fs.String("qrels", "", "judgments, qid<TAB>doc<TAB>gain")
	cache := fs.String("cache", "", "keep the indexes built for evaluation here, rebuilt when the documents or the mapping version change (default: the user cache directory's paperbot/eval)")
	perQuery := fs.String("per-query", "", "also write each query's outcome here, as JSON Lines")
	indexDir := fs.String("index", "", "with --queries and --qrels: run them on this index as it is (or index --docs into it)")
	noFast := fs.Bool("no-fast-path", false, "answer every query with Bleve's own searchers, not the fast path (the figures are the same, slower)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("eval takes flags only, not %q", fs.Arg(0))}
	}
	cacheDir := *cache
	if cacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return fmt.Errorf("no cache directory (%v): name one with --cache", err)
		}
		cacheDir = filepath.Join(base, "paperbot", "eval")
	}
	if err := evaluate.CheckCache(cacheDir); err != nil {
		return usageError{err.Error()}
	}
	var colls []*evaluate.Collection
	switch {
	case *indexDir != "":
		if *queriesPath == "" || *qrelsPath == "" {
			return usageError{"--index needs --queries and --qrels"}
		}
		return evalIndex(ctx, e, *indexDir, *docs, *queriesPath, *qrelsPath, index.Options{DisableFastPath: *noFast})
	case *queriesPath != "" || *qrelsPath != "":
		if *queriesPath == "" || *qrelsPath == "" || *docs == "" {
			return usageError{"--queries, --qrels and --docs go together"}
		}
		c, err := evaluate.LoadFiles(filepath.Base(filepath.Dir(*queriesPath)), *docs, *queriesPath, *qrelsPath)
		if err != nil {
			return err
		}
		colls = append(colls, c)
	case *dir != "":
		d := *docs
		if d == "" && !fileExists(filepath.Join(*dir, "docs.jsonl")) {
			d = sharedDocsPath(*sharedDocs, filepath.Dir(filepath.Clean(*dir)))
		}
		c, err := evaluate.Load(*dir, d)
		if err != nil {
			return err
		}
		colls = append(colls, c)
	default:
		root := *datasets
		if root == "" {
			root = filepath.Join("..", "shared", "datasets")
		}
		var err error
		if colls, err = evaluate.Discover(root, sharedDocsPath(*sharedDocs, root)); err != nil {
			if errors.Is(err, os.ErrNotExist) && *datasets == "" {
				// Run from a clone without the datasets beside it.
				return fmt.Errorf("%w: eval reads its test collections from the directory beside the clone; name another with --datasets DIR, one collection with --collection DIR, or your own judgments with --queries, --qrels and --docs or --index", err)
			}
			return err
		}
	}
	var out *json.Encoder
	if *perQuery != "" {
		f, err := os.Create(*perQuery)
		if err != nil {
			return err
		}
		defer f.Close()
		out = json.NewEncoder(f)
	}
	var reps []evaluate.Report
	for _, c := range colls {
		ix, err := evaluate.OpenIndex(ctx, cacheDir, c, e.stderr, index.Options{DisableFastPath: *noFast})
		if err != nil {
			return fmt.Errorf("%s: %w", c.Name, err)
		}
		rep, err := evaluate.Run(ctx, ix, c)
		ix.Close()
		if err != nil {
			return err
		}
		reps = append(reps, rep)
		if out != nil {
			for _, q := range rep.Queries {
				if err := out.Encode(struct {
					Collection string `json:"collection"`
					evaluate.QueryResult
				}{c.Name, q}); err != nil {
					return err
				}
			}
		}
	}
	evaluate.Table(e.stdout, reps)
	return nil
}

// sharedDocsPath is the documents of collections without their own: the
// flag's value, else the arXiv sample under the datasets directory.
func sharedDocsPath(flagValue, root string) string {
	if flagValue != "" {
		return flagValue
	}
	return filepath.Join(root, "arxiv", "arxiv-250k.jsonl.xz")
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// evalIndex runs a collection's queries on an index directory: the one
// there (read as it is), or a new one of docs.
func evalIndex(ctx context.Context, e *env, dir, docs, queries, qrels string, opts index.Options) error {
	var ix *index.Index
	var err error
	if docs == "" {
		if err := requireIndex(dir); err != nil {
			return err
		}
		if ix, err = index.Open(dir, opts); err != nil {
			return err
		}
	} else if ix, err = evaluate.BuildIndex(ctx, dir, docs, e.stderr, opts); err != nil {
		return err
	}
	defer ix.Close()
	c, err := evaluate.LoadFiles(filepath.Base(filepath.Dir(queries)), docs, queries, qrels)
	if err != nil {
		return err
	}
	rep, err := evaluate.Run(ctx, ix, c)
	if err != nil {
		return err
	}
	evaluate.Table(e.stdout, []evaluate.Report{rep})
	return nil
}
