package sources

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/paperbot/paperbot/bot/paper"
)

// textKeys are the fields of a record whose invalid UTF-8 is replaced (the
// paper kept, the field noted): text that is worth more with a U+FFFD in
// it than lost. Invalid UTF-8 in the other fields a record reads (id,
// URLs, dates, source, counts) means the value itself is damaged: the
// record is rejected naming the field, as control characters there are.
var textKeys = map[string]bool{
	"title": true, "abstract": true, "summary": true, "authors": true,
	"categories": true, "ai_summary": true, "ai_keywords": true,
}

// recordKeys are the keys a JSON Lines record reads (record's tags).
var recordKeys = func() []string {
	var keys []string
	rt := reflect.TypeFor[record]()
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		keys = append(keys, name)
	}
	return keys
}()

// recordKey is the record field that a key of a line sets (matched as
// encoding/json matches it, case aside), or "" for a key the record does
// not read.
func recordKey(key string) string {
	for _, k := range recordKeys {
		if strings.EqualFold(k, key) {
			return k
		}
	}
	return ""
}

// repairUTF8 makes a line with invalid UTF-8 valid, each run of invalid
// bytes replaced by U+FFFD, when the bytes are in the values of text
// fields (notes names each, with the byte where its first run starts) or
// of keys the record does not read; invalid bytes in another field are
// named in fes (the record is to be rejected). err is set when the bytes
// are in no value (in a key, or outside the JSON's strings): the line
// cannot be read.
func repairUTF8(line []byte) (fixed []byte, notes []fieldNote, fes paper.FieldErrors, err error) {
	var bad []int // the byte where each run of invalid bytes starts
	inRun := false
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRune(line[i:])
		invalid := r == utf8.RuneError && size <= 1
		if invalid && !inRun {
			bad = append(bad, i)
		}
		inRun = invalid
		i += size
	}
	keys, err := keysAt(line, bad)
	if err != nil {
		return nil, nil, nil, err
	}
	noted := map[string]bool{}
	for j, key := range keys {
		field := recordKey(key)
		switch {
		case field == "" || noted[field]:
		case textKeys[field]:
			notes = append(notes, replacedNote(field, bad[j]))
		default:
			fes = append(fes, &paper.FieldError{Field: field, Msg: fmt.Sprintf("invalid UTF-8 at byte %d of the line", bad[j])})
		}
		noted[field] = true
	}
	return bytes.ToValidUTF8(line, []byte(string(utf8.RuneError))), notes, fes, nil
}

// keysAt returns, for each offset of line (in increasing order), the
// top-level key of the JSON object whose value holds that byte. An offset
// in a key, or a line that is no JSON object, is an error naming the
// first offset.
func keysAt(line []byte, offsets []int) ([]string, error) {
	fail := func(how string) ([]string, error) {
		return nil, fmt.Errorf("invalid UTF-8 at byte %d%s", offsets[0], how)
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fail("")
	}
	keys := make([]string, 0, len(offsets))
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return fail("")
		}
		keyEnd := int(dec.InputOffset())
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return fail("")
		}
		end := int(dec.InputOffset())
		for len(keys) < len(offsets) && offsets[len(keys)] < end {
			if offsets[len(keys)] < keyEnd {
				return fail(fmt.Sprintf(", in the key %q", t))
			}
			keys = append(keys, t.(string))
		}
	}
	if len(keys) < len(offsets) {
		return fail("")
	}
	return keys, nil
}

// replacedNote notes a field whose invalid UTF-8 was replaced, the first
// run at byte at of its line.
func replacedNote(field string, at int) fieldNote {
	return fieldNote{field: field, kind: noteUTF8, msg: fmt.Sprintf("invalid UTF-8 (at byte %d of the line) replaced with U+FFFD", at)}
}
