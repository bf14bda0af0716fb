package index

import (
	"slices"
	"testing"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
)

// Documents newest first, a day's in document order, the undated last;
// days before 1970 (negative nanoseconds) and far apart included.
func TestNewestFirst(t *testing.T) {
	day := func(s string) int64 {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d.UnixNano()
	}
	dates := []string{"1969-12-31", "", "2024-03-01", "1900-01-01", "2024-03-01", "", "1970-01-01", "2262-04-01", "1969-12-31", "1677-09-22"}
	published := make([]int64, len(dates))
	has := roaring.New()
	for d, s := range dates {
		if s != "" {
			published[d] = day(s)
			has.Add(uint32(d))
		}
	}
	got := newestFirst(published, has)
	want := []uint32{7, 2, 4, 6, 0, 8, 3, 9, 1, 5}
	if !slices.Equal(got, want) {
		t.Errorf("newestFirst = %v, want %v", got, want)
	}
	if got := newestFirst(make([]int64, 3), roaring.New()); !slices.Equal(got, []uint32{0, 1, 2}) {
		t.Errorf("no dates: %v", got)
	}
}
