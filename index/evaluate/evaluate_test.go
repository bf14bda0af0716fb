package evaluate

import (
	"math"
	"os"
	"path/filepath"
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
	// Judged arXiv ids are read as ingest reads a record's: 1909.0599 lost
	// its zero as a number, and a version is no other paper.
	qr, err = ReadQrels(strings.NewReader("1\t1909.0599\t1\n2\t2205.13760v2\t1\n"))
	if err != nil || qr["1"]["1909.05990"] != 1 || qr["2"]["2205.13760"] != 1 {
		t.Errorf("%v %v", qr, err)
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

// A numeric qid (as TREC collections converted to JSON often have) is read
// as its decimal text, matching qrels.tsv; other bad lines name the file,
// the line and the field, never a Go type.
func TestReadQueriesNumericQIDAndErrors(t *testing.T) {
	qs, err := ReadQueries(strings.NewReader(`{"qid":7,"text":"heat"}` + "\n" + `{"qid":"8","text":"flow"}` + "\n" + `{"qid":-3,"text":"x","class":"exact"}` + "\n"))
	if err != nil || len(qs) != 3 || qs[0] != (Query{ID: "7", Text: "heat"}) || qs[1].ID != "8" || qs[2] != (Query{ID: "-3", Text: "x", Class: "exact"}) {
		t.Fatalf("%+v %v", qs, err)
	}
	dir := t.TempDir()
	qrels := filepath.Join(dir, "qrels.tsv")
	if err := os.WriteFile(qrels, []byte("7\tcran-1\t3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ in, want string }{
		{`{"qid":1.5,"text":"x"}`, "queries.jsonl:2: qid: want a string or a whole number, got the JSON number 1.5"},
		{`{"qid":["a"],"text":"x"}`, "queries.jsonl:2: qid: want a string or a whole number, got a JSON array"},
		{`{"qid":"1","text":5}`, "queries.jsonl:2: text: want a string, got the JSON number 5"},
		{`{"text":"x"}`, "queries.jsonl:2: no qid"},
		{`null`, "queries.jsonl:2: no qid"},
		{`[1]`, `queries.jsonl:2: want a JSON object {"qid": ..., "text": ...}, got a JSON array`},
		{`{"qid":`, "queries.jsonl:2: not valid JSON"},
	} {
		queries := filepath.Join(dir, "queries.jsonl")
		if err := os.WriteFile(queries, []byte(`{"qid":7,"text":"ok"}`+"\n"+c.in+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := LoadFiles("c", "", queries, qrels)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "Go ") || strings.Contains(err.Error(), "unmarshal") {
			t.Errorf("%s: %v, want %q", c.in, err, c.want)
		}
	}
}
