package index

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot/paper"
)

func TestZZMix(t *testing.T) {
	dir := os.Getenv("RAWIX")
	if dir == "" {
		t.Skip()
	}
	ix, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	f, _ := os.Open("../cmd/bench/testdata/queries.tsv")
	var qs [][2]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "\t", 2)
		if len(parts) == 2 && !strings.HasPrefix(parts[0], "#") {
			qs = append(qs, [2]string{parts[0], parts[1]})
		}
	}
	only := os.Getenv("CLASS")
	type r struct {
		q, c string
		d    time.Duration
	}
	var rs []r
	for round := 0; round < 2; round++ {
		for _, q := range qs {
			if only != "" && q[0] != only {
				continue
			}
			s := time.Now()
			_, err := ix.Search(context.Background(), paper.Query{Text: q[1], Limit: 10})
			if err != nil {
				t.Log(q, err)
			}
			rs = append(rs, r{q[1], q[0] + fmt.Sprint(round), time.Since(s)})
		}
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].d > rs[j].d })
	for round := range 2 {
		var ds []time.Duration
		for _, x := range rs {
			if strings.HasSuffix(x.c, fmt.Sprint(round)) {
				ds = append(ds, x.d)
			}
		}
		// ds is sorted descending
		n := len(ds)
		t.Logf("round %d: n %d p50 %v p99 %v max %v", round, n, ds[n/2], ds[n/100], ds[0])
	}
	for _, x := range rs[:min(12, len(rs))] {
		t.Logf("%8.1f ms %-8s %s", float64(x.d.Microseconds())/1000, x.c, x.q)
	}
}
