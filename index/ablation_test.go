package index_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/index"
	"github.com/paperbot/paperbot/index/evaluate"
)

// TestAblation measures ranking configurations on every collection under
// ../shared/datasets, on all judged queries and on each half (odd and even
// query numbers: tune on one, confirm on the other). It runs only when
// PAPERBOT_ABLATION names the configurations, separated by ";", each a
// label and a comma-separated list of feature switches or parameters:
//
//	PAPERBOT_ABLATION='all;no-prefix:prefix=0' go test ./index -run TestAblation -v -timeout 2h
//
// The indexes are those `paperbot eval` keeps (PAPERBOT_EVAL_CACHE, else
// the user cache directory's paperbot/eval), built when missing.
func TestAblation(t *testing.T) {
	spec := os.Getenv("PAPERBOT_ABLATION")
	if spec == "" {
		t.Skip("set PAPERBOT_ABLATION to run the ablation (see its comment)")
	}
	root := filepath.Join("..", "..", "shared", "datasets")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("no datasets: %v", err)
	}
	colls, err := evaluate.Discover(root, filepath.Join(root, "arxiv", "arxiv-250k.jsonl.xz"))
	if err != nil {
		t.Fatal(err)
	}
	cache := evalCache(t)
	type config struct {
		label string
		set   [][2]string
	}
	var configs []config
	for _, c := range strings.Split(spec, ";") {
		label, params, _ := strings.Cut(c, ":")
		cf := config{label: label}
		for _, p := range strings.Split(params, ",") {
			if k, v, ok := strings.Cut(p, "="); ok {
				cf.set = append(cf.set, [2]string{k, v})
			}
		}
		configs = append(configs, cf)
	}
	ctx := context.Background()
	var lines []string
	only := os.Getenv("PAPERBOT_ABLATION_ONLY") // a comma-separated list of collections
	for _, c := range colls {
		if only != "" && !slices.Contains(strings.Split(only, ","), c.Name) {
			continue
		}
		ix, err := evaluate.OpenIndex(ctx, cache, c, os.Stderr, index.RunOptions(index.Options{}))
		if err != nil {
			t.Fatal(err)
		}
		var meanText, meanTitle float64
		for _, cf := range configs {
			index.ResetRank(ix)
			for _, kv := range cf.set {
				if kv[1] == "auto" && meanText == 0 {
					if meanText, meanTitle, err = index.MeanLengths(ix); err != nil {
						t.Fatal(err)
					}
					t.Logf("%s: mean lengths text %.1f title %.1f", c.Name, meanText, meanTitle)
				}
				v, err := strconv.ParseFloat(kv[1], 64)
				switch {
				case kv[1] == "auto" && kv[0] == "avgText":
					v = meanText
				case kv[1] == "auto" && kv[0] == "avgTitle":
					v = meanTitle
				case err != nil:
					t.Fatalf("%s: %v", kv[0], err)
				}
				index.SetRank(ix, kv[0], v)
			}
			rep, err := evaluate.Run(ctx, ix, c)
			if err != nil {
				t.Fatal(err)
			}
			var halves [2][]evaluate.PerQuery
			classes := ""
			for _, q := range rep.Queries {
				n, _ := strconv.Atoi(q.ID)
				halves[n%2] = append(halves[n%2], q.PerQuery)
			}
			for _, cl := range rep.Classes {
				classes += fmt.Sprintf(" %s %.3f", cl.Class, cl.MRR)
			}
			odd, even := evaluate.Mean(halves[1]), evaluate.Mean(halves[0])
			line := fmt.Sprintf("%-16s %-20s nDCG %.4f (odd %.4f even %.4f)  MRR %.4f (odd %.4f even %.4f)  empty %d%s",
				c.Name, cf.label, rep.All.NDCG10, odd.NDCG10, even.NDCG10, rep.All.MRR, odd.MRR, even.MRR, rep.All.EmptyAll, classes)
			t.Log(line)
			lines = append(lines, line)
		}
		ix.Close()
	}
	fmt.Println(strings.Join(lines, "\n"))
}
