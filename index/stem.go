package index

import (
	"bytes"
	"hash/maphash"
	"sync"

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

// stemShards spreads the cache over locks; stemCacheWords bounds it (about
// 3 MB of words when full; past it, new words are stemmed each time). On
// 150,000 arXiv papers a cache of 2^15 words stemmed as fast as one of 2^17.
const (
	stemShards     = 16
	stemCacheWords = 1 << 15
)

type stemCache struct {
	seed   maphash.Seed
	shards [stemShards]struct {
		mu    sync.RWMutex
		words map[string][]byte
	}
}

func newStemCache() *stemCache {
	c := &stemCache{seed: maphash.MakeSeed()}
	for i := range c.shards {
		c.shards[i].words = map[string][]byte{}
	}
	return c
}

func (c *stemCache) shard(word []byte) int {
	return int(maphash.Bytes(c.seed, word) % stemShards)
}

func (c *stemCache) get(word []byte) ([]byte, bool) {
	s := &c.shards[c.shard(word)]
	s.mu.RLock()
	term, ok := s.words[string(word)]
	s.mu.RUnlock()
	return term, ok
}

// put remembers what word became and returns the term to use: a copy (the
// stemmer's output may point into the field's text, which the cache would
// then keep alive) that no append can write through, since every token of
// the word shares it.
func (c *stemCache) put(word string, term []byte) []byte {
	term = bytes.Clone(term)
	term = term[:len(term):len(term)]
	s := &c.shards[c.shard([]byte(word))]
	s.mu.Lock()
	if len(s.words) < stemCacheWords/stemShards {
		s.words[word] = term
	}
	s.mu.Unlock()
	return term
}
