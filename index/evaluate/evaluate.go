// Package evaluate measures ranking quality against a test collection with
// graded relevance judgments: nDCG@10, MAP@100 and Recall@100.
package evaluate

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Query is one test query.
type Query struct {
	ID   string `json:"qid"`
	Text string `json:"text"`
}

// Qrels maps query id -> document id -> gain (1..4; absent = not relevant).
type Qrels map[string]map[string]int

// ReadQueries reads JSON Lines {"qid", "text"}.
func ReadQueries(r io.Reader) ([]Query, error) {
	var qs []Query
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var q Query
		if err := json.Unmarshal([]byte(line), &q); err != nil {
			return nil, fmt.Errorf("queries line %d: %w", n, err)
		}
		if q.ID == "" {
			return nil, fmt.Errorf("queries line %d: no qid", n)
		}
		qs = append(qs, q)
	}
	return qs, sc.Err()
}

// ReadQrels reads "qid<TAB>docid<TAB>gain" lines.
func ReadQrels(r io.Reader) (Qrels, error) {
	qr := Qrels{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("qrels line %d: want 3 fields, got %d", n, len(f))
		}
		g, err := strconv.Atoi(f[2])
		if err != nil {
			return nil, fmt.Errorf("qrels line %d: gain %q is not a number", n, f[2])
		}
		if qr[f[0]] == nil {
			qr[f[0]] = map[string]int{}
		}
		if g > 0 {
			qr[f[0]][f[1]] = g
		}
	}
	return qr, sc.Err()
}

// Scores are the mean metrics over the queries.
type Scores struct {
	Queries   int
	NDCG10    float64
	MAP100    float64
	Recall100 float64
}

// PerQuery is one query's metrics.
type PerQuery struct {
	NDCG10, AP100, Recall100 float64
}

// Score computes the metrics of one ranking (document ids, best first).
func Score(ranking []string, judged map[string]int) PerQuery {
	var pq PerQuery
	if len(judged) == 0 {
		return pq
	}
	// nDCG@10 with gains 2^g - 1.
	dcg := 0.0
	for i, id := range ranking {
		if i == 10 {
			break
		}
		if g := judged[id]; g > 0 {
			dcg += (math.Pow(2, float64(g)) - 1) / math.Log2(float64(i)+2)
		}
	}
	gains := make([]int, 0, len(judged))
	for _, g := range judged {
		gains = append(gains, g)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(gains)))
	idcg := 0.0
	for i, g := range gains {
		if i == 10 {
			break
		}
		idcg += (math.Pow(2, float64(g)) - 1) / math.Log2(float64(i)+2)
	}
	if idcg > 0 {
		pq.NDCG10 = dcg / idcg
	}
	// AP@100 and Recall@100, binary relevance.
	hits, sumPrec := 0, 0.0
	for i, id := range ranking {
		if i == 100 {
			break
		}
		if judged[id] > 0 {
			hits++
			sumPrec += float64(hits) / float64(i+1)
		}
	}
	pq.AP100 = sumPrec / float64(len(judged))
	pq.Recall100 = float64(hits) / float64(len(judged))
	return pq
}

// Mean averages per-query metrics.
func Mean(per []PerQuery) Scores {
	s := Scores{Queries: len(per)}
	if len(per) == 0 {
		return s
	}
	for _, p := range per {
		s.NDCG10 += p.NDCG10
		s.MAP100 += p.AP100
		s.Recall100 += p.Recall100
	}
	n := float64(len(per))
	s.NDCG10 /= n
	s.MAP100 /= n
	s.Recall100 /= n
	return s
}
