package s2dict

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/s2"
)

// testDict is an S2 dictionary of pseudo-English from a fixed seed.
func testDict(tb testing.TB) (*s2.Dict, *Dict) {
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"graph ", "neural ", "network ", "the ", "of ", "learning ", "model ", "attention ", "we ", "propose "}
	var b []byte
	for len(b) < 32<<10 {
		b = append(b, words[rng.IntN(len(words))]...)
	}
	sd := s2.MakeDictManual(b, 100)
	d, err := New(sd)
	if err != nil {
		tb.Fatal(err)
	}
	return sd, d
}

func roundTrip(t *testing.T, sd *s2.Dict, d *Dict, in []byte) {
	t.Helper()
	enc := d.EncodeBetter(nil, in)
	got, err := sd.Decode(nil, enc)
	if err != nil || !bytes.Equal(got, in) {
		t.Fatalf("%d bytes: s2.Dict.Decode gives %d bytes, %v", len(in), len(got), err)
	}
}

func TestRoundTripRandom(t *testing.T) {
	sd, d := testDict(t)
	rng := rand.New(rand.NewPCG(3, 4))
	roundTrip(t, sd, d, nil)
	roundTrip(t, sd, d, []byte{7})
	roundTrip(t, sd, d, bytes.Repeat([]byte("ab"), 40<<10))
	roundTrip(t, sd, d, sd.Bytes()[3:])                            // the dictionary itself
	roundTrip(t, sd, d, append(sd.Bytes()[3:], sd.Bytes()[3:]...)) // longer than the dictionary
	for _, n := range []int{31, 32, 33, 100, 1000, 4096, 1 << 15, 64 << 10} {
		noise := make([]byte, n)
		for i := range noise {
			noise[i] = byte(rng.Uint32())
		}
		roundTrip(t, sd, d, noise)
		text := sd.Bytes()[3:]
		mixed := make([]byte, 0, n)
		for len(mixed) < n {
			at := rng.IntN(len(text) - 64)
			mixed = append(mixed, text[at:at+rng.IntN(64)]...)
			mixed = append(mixed, byte(rng.Uint32()))
		}
		roundTrip(t, sd, d, mixed[:n])
	}
}

func FuzzRoundTrip(f *testing.F) {
	sd, d := testDict(f)
	f.Add([]byte("graph neural network of the attention model we propose"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 1<<20 {
			return
		}
		roundTrip(t, sd, d, in)
	})
}
