// Package evaluate measures ranking quality against a test collection with
// graded relevance judgments: nDCG@10, MAP@100, Recall@100 and MRR, averaged
// over the queries that have judgments (as trec_eval does), with the number
// of queries that found nothing at all.
package evaluate

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/paperbot/paperbot/bot/paper"
)

// Query is one test query.
type Query struct {
	ID   string `json:"qid"`
	Text string `json:"text"`
	// Class groups queries of one kind (a known-item set's "exact",
	// "typo", "prefix"...); empty when the collection has none.
	Class string `json:"class,omitempty"`
}

// Qrels maps query id -> document id -> gain (1..4; absent = not relevant).
type Qrels map[string]map[string]int

// ReadQueries reads JSON Lines {"qid", "text"}. A qid may be a string or
// a whole number (read as its decimal text, as qrels.tsv writes it).
func ReadQueries(r io.Reader) ([]Query, error) {
	var qs []Query
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		q, err := readQuery([]byte(line))
		if err == nil && q.ID == "" {
			err = errors.New("no qid")
		}
		if err != nil {
			return nil, &LineError{Line: n, Err: err}
		}
		qs = append(qs, q)
	}
	return qs, sc.Err()
}

// LineError is a bad line of a queries file.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("queries line %d: %v", e.Line, e.Err) }

func (e *LineError) Unwrap() error { return e.Err }

// readQuery decodes one line of a queries file, with errors that name the
// field and the JSON it holds (never a Go type).
func readQuery(line []byte) (Query, error) {
	var raw struct {
		QID   json.RawMessage `json:"qid"`
		Text  json.RawMessage `json:"text"`
		Class json.RawMessage `json:"class"`
	}
	if err := json.Unmarshal(line, &raw); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return Query{}, fmt.Errorf("not valid JSON (at byte %d: %v)", se.Offset, err)
		}
		return Query{}, fmt.Errorf("want a JSON object {\"qid\": ..., \"text\": ...}, got %s", jsonValue(line))
	}
	var q Query
	qid := bytes.TrimSpace(raw.QID)
	switch {
	case len(qid) == 0 || string(qid) == "null":
	case qid[0] == '"':
		if err := json.Unmarshal(qid, &q.ID); err != nil {
			return Query{}, fmt.Errorf("qid: %v", err)
		}
	case isWholeNumber(qid):
		q.ID = string(qid)
	default:
		return Query{}, fmt.Errorf("qid: want a string or a whole number, got %s", jsonValue(qid))
	}
	for _, f := range []struct {
		name string
		raw  json.RawMessage
		dst  *string
	}{{"text", raw.Text, &q.Text}, {"class", raw.Class, &q.Class}} {
		v := bytes.TrimSpace(f.raw)
		if len(v) == 0 || string(v) == "null" {
			continue
		}
		if v[0] != '"' {
			return Query{}, fmt.Errorf("%s: want a string, got %s", f.name, jsonValue(v))
		}
		if err := json.Unmarshal(v, f.dst); err != nil {
			return Query{}, fmt.Errorf("%s: %v", f.name, err)
		}
	}
	return q, nil
}

// isWholeNumber reports a JSON number written as an integer: digits, with
// an optional minus sign (no fraction, no exponent).
func isWholeNumber(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte("-"))
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// jsonValue names a JSON value for a message: its kind, and the value
// itself when it is short.
func jsonValue(b []byte) string {
	b = bytes.TrimSpace(b)
	kind := "JSON value"
	if len(b) > 0 {
		switch c := b[0]; {
		case c == '{':
			kind = "a JSON object"
		case c == '[':
			kind = "a JSON array"
		case c == '"':
			kind = "a JSON string"
		case c == 't' || c == 'f':
			kind = "JSON true or false"
		case c == 'n':
			return "JSON null"
		default:
			kind = "the JSON number"
		}
	}
	if len(b) <= 40 && kind != "a JSON object" && kind != "a JSON array" {
		return kind + " " + string(b)
	}
	return kind
}

// judgedID is a judged document's id as the index holds the paper: its
// canonical form, an arXiv id that lost its zeros as a number restored
// (as ingest reads records: 1909.0599 is 1909.05990).
func judgedID(s string) string {
	id := paper.CanonicalID(s)
	if r, ok := paper.RestoreNumberID(id); ok {
		return r
	}
	return id
}

// ReadQrels reads "qid<TAB>docid<TAB>gain" lines. Document ids are read
// as the index holds them (judgedID).
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
			qr[f[0]][judgedID(f[1])] = g
		}
	}
	return qr, sc.Err()
}

// Scores are the mean metrics over the queries that have judgments.
type Scores struct {
	Queries   int // every query run
	Judged    int // those with at least one relevant document: the means are over these
	NDCG10    float64
	MAP100    float64
	Recall100 float64
	MRR       float64
	// Empty counts judged queries that found nothing at all; EmptyAll
	// counts every query that did.
	Empty, EmptyAll int
}

// PerQuery is one query's metrics.
type PerQuery struct {
	NDCG10, AP100, Recall100 float64
	// RR is the reciprocal rank of the first relevant document (0 when
	// none was returned).
	RR float64
	// Judged is set when the query has relevant documents; Empty when
	// the ranking was empty.
	Judged, Empty bool
}

// Score computes the metrics of one ranking (document ids, best first).
func Score(ranking []string, judged map[string]int) PerQuery {
	pq := PerQuery{Empty: len(ranking) == 0}
	if len(judged) == 0 {
		return pq
	}
	pq.Judged = true
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
			if hits == 1 {
				pq.RR = 1 / float64(i+1)
			}
		}
	}
	pq.AP100 = sumPrec / float64(len(judged))
	pq.Recall100 = float64(hits) / float64(len(judged))
	return pq
}

// Mean averages per-query metrics over the judged queries: a query
// without judgments cannot be scored, and counting it as zero (as this
// package once did) understates every figure.
func Mean(per []PerQuery) Scores {
	s := Scores{Queries: len(per)}
	for _, p := range per {
		if p.Empty {
			s.EmptyAll++
		}
		if !p.Judged {
			continue
		}
		s.Judged++
		if p.Empty {
			s.Empty++
		}
		s.NDCG10 += p.NDCG10
		s.MAP100 += p.AP100
		s.Recall100 += p.Recall100
		s.MRR += p.RR
	}
	if s.Judged == 0 {
		return s
	}
	n := float64(s.Judged)
	s.NDCG10 /= n
	s.MAP100 /= n
	s.Recall100 /= n
	s.MRR /= n
	return s
}
