package evaluate

import (
	"math"
	"strings"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestScore(t *testing.T) {
	judged := map[string]int{"a": 3, "b": 1, "c": 2}
	// Perfect ranking: ideal order by gain.
	if got := Score([]string{"a", "c", "b"}, judged); !near(got.NDCG10, 1) || !near(got.AP100, 1) || !near(got.Recall100, 1) {
		t.Errorf("perfect ranking scored %+v", got)
	}
	// One relevant document at rank 2 of a list of non-relevant ones.
	got := Score([]string{"x", "b", "y"}, judged)
	idcg := 7/math.Log2(2) + 3/math.Log2(3) + 1/math.Log2(4)
	if want := (1 / math.Log2(3)) / idcg; !near(got.NDCG10, want) {
		t.Errorf("nDCG@10 = %v, want %v", got.NDCG10, want)
	}
	if want := (1.0 / 2) / 3; !near(got.AP100, want) {
		t.Errorf("AP = %v, want %v", got.AP100, want)
	}
	if !near(got.Recall100, 1.0/3) {
		t.Errorf("recall = %v", got.Recall100)
	}
	// Only the first ten count for nDCG@10.
	late := append(make([]string, 0, 11), "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "a")
	if got := Score(late, judged); got.NDCG10 != 0 || got.Recall100 == 0 {
		t.Errorf("rank 11: %+v", got)
	}
	if got := Score([]string{"a"}, nil); got != (PerQuery{}) {
		t.Errorf("no judgments: %+v", got)
	}
}

func TestReaders(t *testing.T) {
	qs, err := ReadQueries(strings.NewReader(`{"qid":"1","text":"heat"}` + "\n\n" + `{"qid":"2","text":"flow"}` + "\n"))
	if err != nil || len(qs) != 2 || qs[1].Text != "flow" {
		t.Fatalf("%v %v", qs, err)
	}
	if _, err := ReadQueries(strings.NewReader(`{"text":"x"}`)); err == nil {
		t.Error("a query without qid was accepted")
	}
	qr, err := ReadQrels(strings.NewReader("1\tcran-1\t3\n1\tcran-2\t0\n"))
	if err != nil || qr["1"]["cran-1"] != 3 || len(qr["1"]) != 1 {
		t.Fatalf("%v %v", qr, err)
	}
	if _, err := ReadQrels(strings.NewReader("1\tcran-1\tx\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("bad gain: %v", err)
	}
}

// Means are over the judged queries only (as trec_eval): a query without
// judgments is counted, but not scored as zero; empty answers are counted.
func TestMeanOverJudgedQueries(t *testing.T) {
	judged := map[string]int{"a": 1}
	per := []PerQuery{
		Score([]string{"x", "a"}, judged), // RR 1/2, nDCG 1/log2(3)
		Score([]string{"a"}, judged),      // perfect
		Score(nil, judged),                // empty and judged
		Score([]string{"a"}, nil),         // not judged
		Score(nil, nil),                   // not judged, empty
	}
	s := Mean(per)
	if s.Queries != 5 || s.Judged != 3 || s.Empty != 1 || s.EmptyAll != 2 {
		t.Errorf("counts %+v", s)
	}
	if want := (0.5 + 1 + 0) / 3; !near(s.MRR, want) {
		t.Errorf("MRR %v, want %v", s.MRR, want)
	}
	if want := (1/math.Log2(3) + 1) / 3; !near(s.NDCG10, want) {
		t.Errorf("nDCG@10 %v, want %v (unjudged queries left out)", s.NDCG10, want)
	}
}
