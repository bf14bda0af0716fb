package index

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/s2"

	"github.com/paperbot/paperbot/bot/paper"
)

// everyField is a paper with every stored field set, each to a value of
// its own (so that two fields swapped in the binary form would show).
func everyField(t testing.TB) paper.Paper {
	var p paper.Paper
	v := reflect.ValueOf(&p).Elem()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if f.Tag.Get("json") == "-" {
			continue
		}
		switch fv := v.Field(i); fv.Kind() {
		case reflect.String:
			fv.SetString(fmt.Sprintf("%s value é %d", f.Name, i))
		case reflect.Slice:
			fv.Set(reflect.ValueOf([]string{f.Name + " one", "", f.Name + " three"}))
		case reflect.Int:
			fv.SetInt(int64(-1000*i - 7))
		case reflect.Float64:
			fv.SetFloat(1.0/3 + float64(i))
		default:
			t.Fatalf("paper.Paper.%s is a %s: the binary record form (recordbin.go) does not know it", f.Name, fv.Kind())
		}
	}
	return p
}

// The binary form carries every field JSON stores, in a known place: a
// field added to paper.Paper fails here until recordFields has it.
func TestRecordFieldsAll(t *testing.T) {
	var tags, names []string
	pt := reflect.TypeFor[paper.Paper]()
	for i := range pt.NumField() {
		if tag, _, _ := strings.Cut(pt.Field(i).Tag.Get("json"), ","); tag != "-" {
			tags = append(tags, tag)
		}
	}
	for _, f := range recordFields {
		names = append(names, f.name)
	}
	slices.Sort(tags)
	slices.Sort(names)
	if !slices.Equal(tags, names) {
		t.Fatalf("JSON stores %v, the binary record form %v", tags, names)
	}
	p := everyField(t)
	raw := appendRecord(nil, &p)
	var got paper.Paper
	if _, err := decodeRecordBinary(raw, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, p) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, p)
	}
	// As JSON gives it back: what a record read before mapping 11 held.
	js, _ := json.Marshal(p)
	var viaJSON paper.Paper
	if err := json.Unmarshal(js, &viaJSON); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, viaJSON) {
		t.Errorf("binary and JSON records differ:\n binary %+v\n JSON   %+v", got, viaJSON)
	}
	// Empty and extreme values.
	for _, p := range []paper.Paper{{}, {ID: "x", Upvotes: math.MaxInt, Stars: math.MinInt, Trending: math.Inf(1)}} {
		var got paper.Paper
		if _, err := decodeRecordBinary(appendRecord(nil, &p), &got); err != nil || !reflect.DeepEqual(got, p) {
			t.Errorf("round trip of %+v: %+v, %v", p, got, err)
		}
	}
}

// A damaged record is an error naming the field, never a panic nor a
// paper with a field silently lost.
func TestRecordBinaryDamaged(t *testing.T) {
	p := everyField(t)
	raw := appendRecord(nil, &p)
	m11 := mapping11Record(p)
	for n := range len(raw) {
		var got paper.Paper
		_, err := decodeRecordBinary(raw[:n], &got)
		if n == len(m11) {
			continue // a record of mapping 11 (TestRecordOfMapping11)
		}
		if err == nil {
			t.Fatalf("record cut to %d of %d bytes decoded: %+v", n, len(raw), got)
		}
		if n > 0 && !strings.Contains(err.Error(), "field ") {
			t.Fatalf("cut to %d bytes: %v (no field named)", n, err)
		}
	}
	if _, err := decodeRecordBinary(append(raw, 0), new(paper.Paper)); err == nil || !strings.Contains(err.Error(), "after the last field") {
		t.Errorf("a byte too many: %v", err)
	}
	// A list claiming more items than there are bytes.
	bad := appendRecord(nil, &paper.Paper{ID: "x", Title: "t", Abstract: "a"})
	i := 1 + 2 + 2 + 2 // magic, id, title, abstract
	bad = append(bad[:i:i], append([]byte{0xff, 0xff, 0xff, 0x7f}, bad[i+1:]...)...)
	if _, err := decodeRecordBinary(bad, new(paper.Paper)); err == nil || !strings.Contains(err.Error(), "field authors") {
		t.Errorf("a list of 2^28 authors in %d bytes: %v", len(bad), err)
	}
}

// mapping11Record is p's record as mapping 11 wrote it: without the
// fields added since (its aliases).
func mapping11Record(p paper.Paper) []byte {
	p.Aliases = nil
	raw := appendRecord(nil, &p)
	return raw[:len(raw)-1] // the empty list of aliases
}

// A record of mapping 11 ends before the aliases: it is read as it was,
// and when it was merged from a trending-page copy, that copy's title id
// is its alias (formerTitleID).
func TestRecordOfMapping11(t *testing.T) {
	p := everyField(t)
	p.Aliases = nil
	var got paper.Paper
	older, err := decodeRecordBinary(mapping11Record(p), &got)
	if err != nil || !older || !reflect.DeepEqual(got, p) {
		t.Errorf("record of mapping 11: older %v, %v\n got %+v\nwant %+v", older, err, got, p)
	}
	if older, err := decodeRecordBinary(appendRecord(nil, &p), &got); err != nil || older {
		t.Errorf("record of this mapping: older %v, %v", older, err)
	}

	r, err := newRecords()
	if err != nil {
		t.Fatal(err)
	}
	merged := paper.Paper{ID: "2401.00001", Title: "Tranception: protein fitness", Source: "huggingface, trending"}
	tid := paper.TitleID(merged.Title)
	js, _ := json.Marshal(merged)
	for _, c := range []struct {
		name string
		p    paper.Paper
		raw  []byte
		want []string
	}{
		{"mapping 11, merged from a trending-page copy", merged, mapping11Record(merged), []string{tid}},
		{"JSON (mappings 9 and 10), merged from a trending-page copy", merged, js, []string{tid}},
		{"mapping 11, never on a trending page", paper.Paper{ID: "2401.00001", Title: "T", Source: "arxiv"}, nil, nil},
		{"mapping 11, the title-only copy itself", paper.Paper{ID: tid, Title: merged.Title, Source: "trending"}, nil, nil},
		{"this mapping: its aliases as recorded", merged, appendRecord(nil, &merged), nil},
	} {
		raw := c.raw
		if raw == nil {
			raw = mapping11Record(c.p)
		}
		got, err := r.decode(raw)
		if err != nil || !reflect.DeepEqual(got.Aliases, c.want) {
			t.Errorf("%s: aliases %q (%v), want %q", c.name, got.Aliases, err, c.want)
		}
	}
}

func FuzzRecordBinary(f *testing.F) {
	p := everyField(f)
	f.Add(appendRecord(nil, &p))
	f.Add(appendRecord(nil, &paper.Paper{}))
	f.Add([]byte{recordMagic, 0x80})
	f.Fuzz(func(t *testing.T, raw []byte) {
		var got paper.Paper
		if _, err := decodeRecordBinary(raw, &got); err != nil {
			return
		}
		// What decodes encodes back to the same bytes.
		if again := appendRecord(nil, &got); !slices.Equal(again, raw) {
			// Varints may be written longer than needed: decode again.
			var twice paper.Paper
			if _, err := decodeRecordBinary(again, &twice); err != nil || !reflect.DeepEqual(twice, got) {
				t.Fatalf("%x decoded to %+v, encoded to %x: %+v, %v", raw, got, again, twice, err)
			}
		}
	})
}

// A record stored before mapping 11 (S2 with the dictionary, of JSON) is
// read as it was, beside records in the binary form.
func TestRecordJSONAndBinaryBothRead(t *testing.T) {
	r, err := newRecords()
	if err != nil {
		t.Fatal(err)
	}
	ps := dictPapers("2401", 200)
	var js [][]byte
	for i := range ps {
		b, _ := json.Marshal(&ps[i])
		js = append(js, b)
	}
	dict, err := trainDictJSON(js)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.useS2Dict(dict); err != nil {
		t.Fatal(err)
	}
	d := s2.NewDict(dict)
	for i, p := range ps[:20] {
		old := append([]byte{s2Tag}, d.Encode(nil, js[i])...)
		now, err := r.encode(&p)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range [][]byte{old, now} {
			got, err := r.decode(raw)
			if err != nil || !reflect.DeepEqual(got, p) {
				t.Fatalf("%s: %+v, %v", p.ID, got, err)
			}
		}
	}
}

// trainDictJSON trains a dictionary as mapping 10 did, on records' JSON.
func trainDictJSON(samples [][]byte) ([]byte, error) {
	hist := bytesJoin(samples)
	d := s2.MakeDict(hist[max(0, len(hist)-s2.MaxDictSize):], []byte(`{"id":"`))
	if d == nil {
		return nil, fmt.Errorf("too few bytes")
	}
	return d.Bytes(), nil
}

func BenchmarkRecordDecode(b *testing.B) {
	ps := dictPapers("2401", 64)
	for _, form := range []string{"json", "binary"} {
		var raws [][]byte
		for i := range ps {
			if form == "json" {
				js, _ := json.Marshal(&ps[i])
				raws = append(raws, js)
			} else {
				raws = append(raws, appendRecord(nil, &ps[i]))
			}
		}
		b.Run(form, func(b *testing.B) {
			i := 0
			for b.Loop() {
				var p paper.Paper
				raw := raws[i%len(raws)]
				var err error
				if form == "json" {
					err = json.Unmarshal(raw, &p)
				} else {
					_, err = decodeRecordBinary(raw, &p)
				}
				if err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
