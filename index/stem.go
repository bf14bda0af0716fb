package index

import (
	"bytes"
	"maps"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2/analysis"
)

// stemFilter writes American spellings and stems a token as the filters it
// wraps would (americanFilter, then Bleve's Porter stemmer), remembering
// what each word became: the words of papers follow Zipf's law, so nearly
// every token is one seen before, and stemming them afresh (rune slices, a
// new term each) was a tenth of an ingest's CPU. The result is the same
// token for token (TestStemFilterAsFilters); the cache is bounded and shared
// by the analysis workers.
type stemFilter struct {
	american analysis.TokenFilter
	stem     analysis.TokenFilter
	cache    *stemCache
}

var _ analysis.TokenFilter = stemFilter{}

func (f stemFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, t := range in {
		if t.KeyWord {
			// The stemmer leaves keywords alone; the spelling filter does not.
			f.stem.Filter(f.american.Filter(analysis.TokenStream{t}))
			continue
		}
		if term, ok := f.cache.get(t.Term); ok {
			t.Term = term
			continue
		}
		word := string(t.Term)
		f.stem.Filter(f.american.Filter(analysis.TokenStream{t}))
		t.Term = f.cache.put(word, t.Term)
	}
	return in
}

// stemCacheWords bounds the cache (about 3 MB of words when full; past
// it, new words are stemmed each time). On 150,000 arXiv papers a cache of
// 2^15 words stemmed as fast as one of 2^17.
const stemCacheWords = 1 << 15

// stemCache is read without a lock: the analysis workers on every core
// look up nearly every token in it, and a read lock is a write to memory
// all of them share. Words stemmed since the map was last published wait
// in pending, under a mutex, until there are enough of them (a sixteenth of
// the map, at least 16) to publish a new map with them; until then they are
// stemmed again when they come back.
type stemCache struct {
	words   atomic.Pointer[map[string][]byte]
	mu      sync.Mutex
	pending map[string][]byte
}

func newStemCache() *stemCache {
	c := &stemCache{pending: map[string][]byte{}}
	c.words.Store(&map[string][]byte{})
	return c
}

func (c *stemCache) get(word []byte) ([]byte, bool) {
	term, ok := (*c.words.Load())[string(word)]
	return term, ok
}

// put remembers what word became and returns the term to use: a copy (the
// stemmer's output may point into the field's text, which the cache would
// then keep alive) that no append can write through, since every token of
// the word shares it.
func (c *stemCache) put(word string, term []byte) []byte {
	term = bytes.Clone(term)
	term = term[:len(term):len(term)]
	c.mu.Lock()
	defer c.mu.Unlock()
	words := *c.words.Load()
	if len(words)+len(c.pending) >= stemCacheWords {
		return term
	}
	if t, ok := c.pending[word]; ok {
		return t
	}
	c.pending[word] = term
	if len(c.pending) >= max(16, len(words)/16) {
		m := make(map[string][]byte, len(words)+len(c.pending))
		maps.Copy(m, words)
		maps.Copy(m, c.pending)
		c.words.Store(&m)
		clear(c.pending)
	}
	return term
}

// size is how many words the cache holds, published or pending.
func (c *stemCache) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(*c.words.Load()) + len(c.pending)
}
