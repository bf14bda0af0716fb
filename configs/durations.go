package configs

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// Every duration in the configuration carries its range in a struct tag,
// `range:"MIN,MAX"`, and so do the counts whose 0 means the default
// (`range:"1,10"`), checked before defaults are applied: a negative
// read_timeout would turn off the guard against slow clients, a negative
// grace would skip every digest. A zero field is a key left out, which
// gets its default; a 0s written in the file is out of range like any
// other value (checkZeroDuration), since no duration means "off" and a
// silent default would hide the mistake. Some sections check a narrower
// range themselves, with their reasons.

// checkDurations checks each duration field of v (a struct, or a pointer
// to one) and of the sections under it against its range tag; path is the
// key path of v ("" at the top).
func checkDurations(v reflect.Value, path string) error {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Slice:
		for i := range v.Len() {
			if err := checkDurations(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	case reflect.Struct:
	default:
		return nil
	}
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		key := name
		if path != "" {
			key = path + "." + name
		}
		if f.Type == reflect.TypeFor[time.Duration]() {
			lo, hi, err := durationRange(f)
			if err != nil {
				return fmt.Errorf("%s: %w", key, err) // a mistake in this package
			}
			if d := time.Duration(v.Field(i).Int()); d != 0 && (d < lo || d > hi) {
				return fmt.Errorf("%s: %s is not between %s and %s", key, shortDuration(d), shortDuration(lo), shortDuration(hi))
			}
			continue
		}
		if f.Type.Kind() == reflect.Int && f.Tag.Get("range") != "" {
			lo, hi, err := intRange(f)
			if err != nil {
				return fmt.Errorf("%s: %w", key, err) // a mistake in this package
			}
			if n := v.Field(i).Int(); n != 0 && (n < lo || n > hi) {
				return fmt.Errorf("%s: %d is not between %d and %d", key, n, lo, hi)
			}
			continue
		}
		if err := checkDurations(v.Field(i), key); err != nil {
			return err
		}
	}
	return nil
}

// checkZero refuses a duration written as zero (0s, 0m, "0h"), or a
// count with a range tag written as 0, for the field f, with its line and
// range: decoded, it could not be told from the key left out, and would
// silently become the default. Other values are checked after decoding
// (checkDurations).
func checkZero(n ast.Node, f reflect.StructField) error {
	if tag, ok := n.(*ast.TagNode); ok {
		n = tag.Value
	}
	switch {
	case f.Type == reflect.TypeFor[time.Duration]():
		s, ok := n.(*ast.StringNode)
		if !ok && !zeroNumber(n) { // every: 0 is zero nanoseconds
			return nil
		}
		if ok {
			if d, err := time.ParseDuration(s.Value); err != nil || d != 0 {
				return nil
			}
		}
		lo, hi, err := durationRange(f)
		if err != nil {
			return nil // checkDurations reports the missing tag
		}
		return nodeError(n, fmt.Sprintf("0s is not between %s and %s (leave the key out for its default)", shortDuration(lo), shortDuration(hi)))
	case f.Type.Kind() == reflect.Int && f.Tag.Get("range") != "":
		// 0, "0", 0.0: the decoder takes each as 0.
		if !zeroNumber(n) {
			return nil
		}
		lo, hi, err := intRange(f)
		if err != nil {
			return nil
		}
		return nodeError(n, fmt.Sprintf("0 is not between %d and %d (leave the key out for its default)", lo, hi))
	}
	return nil
}

// zeroNumber reports a scalar that decodes to the number 0: 0, 0.0, "0".
func zeroNumber(n ast.Node) bool {
	var v string
	switch n := n.(type) {
	case *ast.IntegerNode:
		v = fmt.Sprint(n.Value)
	case *ast.FloatNode:
		v = fmt.Sprint(n.Value)
	case *ast.StringNode:
		v = n.Value
	default:
		return false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	return err == nil && f == 0
}

// intRange reads a count's range tag (`range:"1,10"`); its lower end is
// at least 1, since 0 stands for the key left out.
func intRange(f reflect.StructField) (lo, hi int64, err error) {
	a, b, ok := strings.Cut(f.Tag.Get("range"), ",")
	if ok {
		lo, err = strconv.ParseInt(a, 10, 64)
		if err == nil {
			hi, err = strconv.ParseInt(b, 10, 64)
		}
	}
	if !ok || err != nil || lo < 1 || hi < lo {
		return 0, 0, fmt.Errorf("field %s has no valid range tag (like `range:\"1,10\"`)", f.Name)
	}
	return lo, hi, nil
}

// durationRange reads a duration field's range tag.
func durationRange(f reflect.StructField) (lo, hi time.Duration, err error) {
	a, b, ok := strings.Cut(f.Tag.Get("range"), ",")
	if ok {
		lo, err = time.ParseDuration(a)
		if err == nil {
			hi, err = time.ParseDuration(b)
		}
	}
	if !ok || err != nil || lo <= 0 || hi < lo {
		return 0, 0, fmt.Errorf("field %s has no valid range tag (like `range:\"1s,10m\"`)", f.Name)
	}
	return lo, hi, nil
}

// shortDuration writes a duration the way a configuration does: 10m, not
// 10m0s; 1h30m, not 1h30m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
