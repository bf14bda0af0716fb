package index_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
	"github.com/paperbot/paperbot/index/evaluate"
	"github.com/paperbot/paperbot/index/sources"
)

// cranfieldDir is the Cranfield collection beside the repository
// (../shared/datasets/cranfield), or $PAPERBOT_CRANFIELD.
func cranfieldDir(t testing.TB) string {
	dir := os.Getenv("PAPERBOT_CRANFIELD")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "datasets", "cranfield")
	}
	if _, err := os.Stat(filepath.Join(dir, "qrels.tsv")); err != nil {
		t.Skipf("no Cranfield collection (%v); set PAPERBOT_CRANFIELD", err)
	}
	return dir
}

// TestCranfieldQuality holds the search-quality bar: nDCG@10 of at least
// 0.40 over all 225 Cranfield queries as given, top 100 returned (SQLite
// FTS5 scores 0.346 and Bleve's defaults 0.341 there). `paperbot eval
// --collection ../shared/datasets/cranfield` prints the same figures.
func TestCranfieldQuality(t *testing.T) {
	dir := cranfieldDir(t)
	ctx := context.Background()
	ix, err := index.Open(t.TempDir(), index.Options{Bulk: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	f, err := os.Open(filepath.Join(dir, "docs.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := ix.NewWriter(ctx, index.WriterOptions{})
	rejected := 0
	err = sources.Parse(ctx, f, "docs.jsonl", sources.JSONL, sources.Handler{
		Paper:  w.Add,
		Reject: func(*sources.RecordError) { rejected++ },
	})
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	// Two Cranfield documents are empty (no title, no abstract).
	if rejected != 2 {
		t.Errorf("%d documents rejected, want the 2 empty ones", rejected)
	}
	qf, err := os.Open(filepath.Join(dir, "queries.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer qf.Close()
	queries, err := evaluate.ReadQueries(qf)
	if err != nil {
		t.Fatal(err)
	}
	rf, err := os.Open(filepath.Join(dir, "qrels.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Close()
	qrels, err := evaluate.ReadQrels(rf)
	if err != nil {
		t.Fatal(err)
	}
	if len(queries) != 225 {
		t.Fatalf("%d queries, want 225", len(queries))
	}
	var per []evaluate.PerQuery
	for _, q := range queries {
		res, err := ix.Search(ctx, paper.Query{Text: q.Text, Limit: 100})
		if err != nil {
			t.Fatalf("query %s: %v", q.ID, err)
		}
		ranking := make([]string, len(res.Hits))
		for i, h := range res.Hits {
			ranking[i] = h.Paper.ID
		}
		per = append(per, evaluate.Score(ranking, qrels[q.ID]))
	}
	s := evaluate.Mean(per)
	t.Logf("Cranfield: nDCG@10 %.4f  MAP@100 %.4f  Recall@100 %.4f  (%d queries)", s.NDCG10, s.MAP100, s.Recall100, s.Queries)
	if s.NDCG10 < 0.40 {
		t.Errorf("nDCG@10 = %.4f, below the 0.40 bar", s.NDCG10)
	}
}
