package main

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index"
)

// The replica experiment writes, with index.NewMapping and NewDocuments,
// the index paperbot's own writer writes: Open reads it without a rebuild
// and it answers queries exactly as the writer's index does.
func TestReplicaWritesTheIndexOwnIndex(t *testing.T) {
	ctx := context.Background()
	corpus, papers := tinyCorpus(t)
	replica, own := filepath.Join(t.TempDir(), "replica"), filepath.Join(t.TempDir(), "own")
	if n, rej, err := ingestVariant(ctx, variant{}, corpus, replica, 0); err != nil || n != len(papers) || rej != 0 {
		t.Fatalf("replica: %d papers, %d rejected, %v", n, rej, err)
	}
	if n, rej, err := ingestPaperbot(ctx, corpus, own, 0, 0, index.WriterOptions{}); err != nil || n != len(papers) || rej != 0 {
		t.Fatalf("writer: %d papers, %d rejected, %v", n, rej, err)
	}
	answers := func(dir string) string {
		ix, err := index.Open(dir, index.Options{NoRebuild: true})
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		defer ix.Close()
		var out string
		for _, q := range []string{"protein fitness", "neural networks", `"residual learning"`, "cat:cs.LG", "author:Perelman"} {
			res, err := ix.Search(ctx, paper.Query{Text: q, Limit: 10})
			if err != nil {
				t.Fatalf("%s: %q: %v", dir, q, err)
			}
			out += fmt.Sprintf("%s: %d", q, res.Total)
			for _, h := range res.Hits {
				out += fmt.Sprintf(" %s %.6f", h.Paper.ID, h.Score)
			}
			out += "\n"
		}
		return out
	}
	if got, want := answers(replica), answers(own); got != want {
		t.Errorf("the replica answers\n%s\nthe writer's index answers\n%s", got, want)
	}
}
