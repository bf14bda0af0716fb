package evaluate

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ulikunitz/xz"

	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
	"github.com/paperbot/paperbot/index/sources"
)

// Collection is a test collection: its queries, their judgments and the
// file of documents they are judged against.
type Collection struct {
	Name    string
	Dir     string
	Docs    string // JSON Lines, plain, .gz or .xz
	Queries []Query
	Qrels   Qrels
}

// Load reads the collection in dir: queries.jsonl and qrels.tsv, with its
// documents in docs (dir/docs.jsonl when empty).
func Load(dir, docs string) (*Collection, error) {
	if docs == "" {
		docs = filepath.Join(dir, "docs.jsonl")
	}
	return LoadFiles(filepath.Base(filepath.Clean(dir)), docs, filepath.Join(dir, "queries.jsonl"), filepath.Join(dir, "qrels.tsv"))
}

// LoadFiles reads a collection from its three files.
func LoadFiles(name, docs, queries, qrels string) (*Collection, error) {
	c := &Collection{Name: name, Dir: filepath.Dir(queries), Docs: docs}
	if docs != "" {
		if _, err := os.Stat(docs); err != nil {
			return nil, fmt.Errorf("collection %s: documents: %w", name, err)
		}
	}
	qf, err := os.Open(queries)
	if err != nil {
		return nil, fmt.Errorf("collection %s: %w", name, err)
	}
	defer qf.Close()
	if c.Queries, err = ReadQueries(qf); err != nil {
		if le, ok := errors.AsType[*LineError](err); ok {
			return nil, fmt.Errorf("collection %s: %s:%d: %w", name, queries, le.Line, le.Err)
		}
		return nil, fmt.Errorf("collection %s: %s: %w", name, queries, err)
	}
	rf, err := os.Open(qrels)
	if err != nil {
		return nil, fmt.Errorf("collection %s: %w", name, err)
	}
	defer rf.Close()
	if c.Qrels, err = ReadQrels(rf); err != nil {
		return nil, fmt.Errorf("collection %s: %s: %w", name, qrels, err)
	}
	return c, nil
}

// Discover loads every collection under root: each directory with
// queries.jsonl and qrels.tsv, by name. One without docs.jsonl of its own
// is judged against shared (a known-item set over the arXiv sample); it is
// an error when shared is missing.
func Discover(root, shared string) ([]*Collection, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	var out []*Collection
	for _, e := range entries {
		dir := filepath.Join(root, e.Name())
		if !e.IsDir() || !exists(filepath.Join(dir, "qrels.tsv")) || !exists(filepath.Join(dir, "queries.jsonl")) {
			continue
		}
		docs := filepath.Join(dir, "docs.jsonl")
		if !exists(docs) {
			if shared == "" || !exists(shared) {
				return nil, fmt.Errorf("collection %s has no docs.jsonl and the shared documents %q are missing (--shared-docs)", e.Name(), shared)
			}
			docs = shared
		}
		c, err := Load(dir, docs)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no collection under %s (a directory with queries.jsonl and qrels.tsv)", root)
	}
	return out, nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Searcher is what Run asks: index.Index satisfies it.
type Searcher interface {
	Search(ctx context.Context, q paper.Query) (paper.Results, error)
}

// QueryResult is one query's outcome.
type QueryResult struct {
	Query
	PerQuery
	Hits  int    // papers returned (at most 100)
	First string // the first paper's id
}

// ClassScores are the scores of one class of queries.
type ClassScores struct {
	Class string
	Scores
}

// Report is a collection's outcome.
type Report struct {
	Name    string
	All     Scores
	Classes []ClassScores // by class name; none when the queries have no class
	Queries []QueryResult
	Took    time.Duration // mean time per query
}

// Depth is how many papers are asked for per query (MAP@100, Recall@100).
const Depth = 100

// Run searches every query of a collection and scores the rankings.
func Run(ctx context.Context, s Searcher, c *Collection) (Report, error) {
	rep := Report{Name: c.Name}
	var per []PerQuery
	byClass := map[string][]PerQuery{}
	start := time.Now()
	for _, q := range c.Queries {
		res, err := s.Search(ctx, paper.Query{Text: q.Text, Limit: Depth})
		// A query with nothing to search for is an empty answer, not a
		// failed run.
		if err != nil && !fault.Is(err, fault.Invalid) {
			return Report{}, fmt.Errorf("%s: query %s: %w", c.Name, q.ID, err)
		}
		ranking := make([]string, len(res.Hits))
		for i, h := range res.Hits {
			ranking[i] = h.Paper.ID
		}
		pq := Score(ranking, c.Qrels[q.ID])
		per = append(per, pq)
		if q.Class != "" {
			byClass[q.Class] = append(byClass[q.Class], pq)
		}
		qr := QueryResult{Query: q, PerQuery: pq, Hits: len(ranking)}
		if len(ranking) > 0 {
			qr.First = ranking[0]
		}
		rep.Queries = append(rep.Queries, qr)
	}
	rep.Took = time.Since(start) / time.Duration(max(1, len(c.Queries)))
	rep.All = Mean(per)
	for class, ps := range byClass {
		rep.Classes = append(rep.Classes, ClassScores{class, Mean(ps)})
	}
	slices.SortFunc(rep.Classes, func(a, b ClassScores) int { return cmp.Compare(a.Class, b.Class) })
	return rep, nil
}

// OpenIndex opens an index of the collection's documents kept in cache,
// building it first when there is none, or when the documents or the
// index's mapping version changed since it was built. Collections with
// the same documents share one. Progress and skipped records go to log.
// opts are the options it is opened with (such as DisableFastPath); Bulk
// and NoRebuild are set as building and opening need.
func OpenIndex(ctx context.Context, cache string, c *Collection, log io.Writer, opts index.Options) (*index.Index, error) {
	base, dir, err := cacheDir(cache, c)
	if err != nil {
		return nil, err
	}
	done := filepath.Join(dir, "built")
	ix, err := CachedIndex(cache, c, opts)
	if ix != nil || err != nil {
		if err != nil {
			fmt.Fprintf(log, "eval: the cached index %s cannot be used (%v); building it again\n", dir, err)
		} else {
			return ix, nil
		}
	}
	// Indexes of other versions of these documents, or of other mapping
	// versions, are stale.
	if old, _ := filepath.Glob(filepath.Join(cache, base+"-*")); len(old) > 0 {
		for _, o := range old {
			os.RemoveAll(o)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("eval cache: %w", err)
	}
	fmt.Fprintf(log, "eval: indexing %s into %s (kept for later runs)\n", c.Docs, dir)
	start := time.Now()
	ix, err = BuildIndex(ctx, filepath.Join(dir, "index"), c.Docs, log, opts)
	if err != nil {
		return nil, err
	}
	n, _ := ix.Count()
	fmt.Fprintf(log, "eval: %d papers indexed in %s\n", n, time.Since(start).Round(time.Second))
	if err := os.WriteFile(done, []byte(c.Docs+"\n"), 0o644); err != nil {
		ix.Close()
		return nil, fmt.Errorf("eval cache: %w", err)
	}
	return ix, nil
}

// CachedIndex opens the collection's index in cache when one was built
// for these documents and this mapping version; nil when there is none.
// It is opened with opts, never rebuilt.
func CachedIndex(cache string, c *Collection, opts index.Options) (*index.Index, error) {
	_, dir, err := cacheDir(cache, c)
	if err != nil || !exists(filepath.Join(dir, "built")) {
		return nil, err
	}
	opts.NoRebuild = true
	return index.Open(filepath.Join(dir, "index"), opts)
}

// cacheDir names a collection's index in the cache: after its documents'
// file and directory (cranfield-docs, arxiv-arxiv-250k.jsonl), a digest of
// their contents and the mapping version. Collections with the same
// documents share it.
func cacheDir(cache string, c *Collection) (base, dir string, err error) {
	key, err := fileKey(c.Docs)
	if err != nil {
		return "", "", err
	}
	base = filepath.Base(filepath.Dir(c.Docs)) + "-" + strings.TrimSuffix(filepath.Base(c.Docs), filepath.Ext(c.Docs))
	return base, filepath.Join(cache, fmt.Sprintf("%s-%s-v%d", base, key, index.MappingVersion)), nil
}

// BuildIndex indexes a file of documents into a new index in dir. Records
// the parser rejects (empty documents) are reported on log and left out:
// they still count as misses where they are judged relevant. It is opened
// with opts, in Bulk mode.
func BuildIndex(ctx context.Context, dir, docs string, log io.Writer, opts index.Options) (*index.Index, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	opts.Bulk = true
	ix, err := index.Open(dir, opts)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(docs)
	if err != nil {
		ix.Close()
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	name := filepath.Base(docs)
	if strings.HasSuffix(docs, ".xz") {
		xr, err := xz.NewReader(f)
		if err != nil {
			ix.Close()
			return nil, fmt.Errorf("%s: %w", docs, err)
		}
		r, name = xr, strings.TrimSuffix(name, ".xz")
	}
	w := ix.NewWriter(index.WriterOptions{})
	rejected := 0
	err = sources.Parse(ctx, r, name, sources.JSONL, sources.Handler{
		Paper: func(p paper.Paper) error { return w.Add(ctx, p) },
		Reject: func(re *sources.RecordError) {
			if rejected++; rejected <= 10 {
				fmt.Fprintln(log, "eval: skipped", re.Error())
			}
		},
	})
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		ix.Close()
		return nil, err
	}
	if rejected > 10 {
		fmt.Fprintf(log, "eval: skipped %d records in all\n", rejected)
	}
	return ix, nil
}

// fileKey is a short digest of a file's contents.
func fileKey(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// CheckCache refuses a cache directory inside a source repository (a
// directory with .git above it): indexes are never part of one.
func CheckCache(cache string) error {
	abs, err := filepath.Abs(cache)
	if err != nil {
		return err
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return fmt.Errorf("the eval cache %s is inside the repository %s; choose a directory outside it (--cache)", cache, d)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if filepath.Dir(d) == d {
			return nil
		}
	}
}

// Table writes the reports as one table, and the scores per class of the
// collections whose queries have classes.
func Table(w io.Writer, reps []Report) {
	fmt.Fprintf(w, "%-18s %7s %6s %8s %8s %8s %7s %10s\n", "collection", "queries", "judged", "nDCG@10", "MAP@100", "MRR", "empty", "ms/query")
	for _, r := range reps {
		a := r.All
		fmt.Fprintf(w, "%-18s %7d %6d %8.4f %8.4f %8.4f %7s %10.1f\n", r.Name, a.Queries, a.Judged, a.NDCG10, a.MAP100, a.MRR,
			strconv.Itoa(a.Empty)+"/"+strconv.Itoa(a.EmptyAll), float64(r.Took.Microseconds())/1000)
	}
	for _, r := range reps {
		if len(r.Classes) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s MRR by class:\n", r.Name)
		for _, c := range r.Classes {
			fmt.Fprintf(w, "  %-10s %4d queries  MRR %.4f  empty %d\n", c.Class, c.Judged, c.MRR, c.Empty)
		}
	}
	fmt.Fprintln(w, "\nMeans are over judged queries (as trec_eval). empty: judged/all queries that found nothing.")
}
