package index

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"

	"github.com/paperbot/paperbot/bot/paper"
)

// highlighter marks the words of a text that match the query's terms. It
// re-analyses the stored text with the index's English analyzer, so a
// match is exactly what the search matched (stemmed: "models" marks "model").
type highlighter struct {
	an    analysis.Analyzer
	terms map[string]struct{}
}

func (ix *Index) newHighlighter(terms []termInfo, pq *parsedQuery) *highlighter {
	h := &highlighter{an: ix.english, terms: map[string]struct{}{}}
	for _, t := range terms {
		h.terms[t.term] = struct{}{}
	}
	for _, ph := range pq.Phrases {
		for _, tok := range ix.english.Analyze([]byte(ph)) {
			h.terms[string(tok.Term)] = struct{}{}
		}
	}
	return h
}

type match struct{ start, end int }

// snippetBytes is the length of a snippet, about two lines in a chat.
const snippetBytes = 280

// plainSnippet is the beginning of text, cut at a word boundary.
func plainSnippet(text string, maxBytes int) []paper.Span {
	return (&highlighter{}).snippet(text, maxBytes)
}

func (h *highlighter) matches(text string) []match {
	if len(h.terms) == 0 || text == "" || h.an == nil {
		return nil
	}
	var ms []match
	for _, tok := range h.an.Analyze([]byte(text)) {
		if _, ok := h.terms[string(tok.Term)]; ok {
			ms = append(ms, match{tok.Start, tok.End})
		}
	}
	return ms
}

// spans marks the matches in the whole of text.
func (h *highlighter) spans(text string, _ bool) []paper.Span {
	return cut(text, h.matches(text), 0, len(text))
}

// snippet returns the passage of about maxBytes bytes with the most
// distinct matches, cut at word boundaries, with "…" where text was cut.
func (h *highlighter) snippet(text string, maxBytes int) []paper.Span {
	if text == "" {
		return nil
	}
	ms := h.matches(text)
	if len(text) <= maxBytes {
		return cut(text, ms, 0, len(text))
	}
	start, keep := 0, 0 // keep: the end of the last match the snippet must show
	if len(ms) > 0 {
		best, bestScore, bestEnd := 0, -1, 0
		for i := range ms {
			seen := map[string]struct{}{}
			n, last := 0, ms[i].end
			for j := i; j < len(ms) && ms[j].end <= ms[i].start+maxBytes; j++ {
				seen[strings.ToLower(text[ms[j].start:ms[j].end])] = struct{}{}
				n++
				last = ms[j].end
			}
			if s := len(seen)*100 + n; s > bestScore {
				best, bestScore, bestEnd = i, s, last
			}
		}
		start = ms[best].start
		// Start at the beginning of the sentence when it is close by, else a
		// few words before the first match; either way not so far back
		// that the window's last match falls off its end (a snippet chosen
		// for holding "GPT" and "2" showed the "2" alone).
		keep = bestEnd
		earliest := max(0, keep-maxBytes)
		if s := sentenceStart(text, start); s >= 0 && start-s < maxBytes/3 && s >= earliest {
			start = s
		} else {
			// To a word's beginning: back, unless that loses the last
			// match, else forward (earliest is never after the first
			// match: the window's matches end within maxBytes of it).
			start = max(0, start-maxBytes/8, earliest)
			b := start
			for b > 0 && text[b-1] != ' ' {
				b--
			}
			if b >= earliest {
				start = b
			} else {
				for start < ms[best].start && text[start-1] != ' ' {
					start++
				}
			}
		}
	}
	end := min(len(text), start+maxBytes)
	if end < len(text) {
		if sp := strings.LastIndexByte(text[start:end], ' '); sp > maxBytes/2 && start+sp >= keep {
			end = start + sp
		}
		for end > start && !utf8.RuneStart(text[end]) {
			end--
		}
	}
	spans := cut(text, ms, start, end)
	if start > 0 {
		spans = append([]paper.Span{{Text: "…"}}, spans...)
	}
	if end < len(text) {
		spans = append(spans, paper.Span{Text: "…"})
	}
	return spans
}

// sentenceStart is where the last sentence begun before at begins: after
// ". " and at a capital letter (not "Ch. 2", "et al. and"); -1 when none.
func sentenceStart(text string, at int) int {
	for at > 0 {
		i := strings.LastIndex(text[:at], ". ")
		if i < 0 {
			return -1
		}
		if r, _ := utf8.DecodeRuneInString(text[i+2:]); unicode.IsUpper(r) {
			return i + 2
		}
		at = i
	}
	return -1
}

// cut returns text[start:end] as spans, marking the matches inside it.
func cut(text string, ms []match, start, end int) []paper.Span {
	var out []paper.Span
	pos := start
	for _, m := range ms {
		if m.start < start || m.end > end {
			continue
		}
		if m.start > pos {
			out = appendSpan(out, text[pos:m.start], false)
		}
		out = appendSpan(out, text[m.start:m.end], true)
		pos = m.end
	}
	if pos < end {
		out = appendSpan(out, text[pos:end], false)
	}
	return out
}

// appendSpan appends a span, merging it with the previous one when both are
// matches separated by nothing.
func appendSpan(out []paper.Span, s string, match bool) []paper.Span {
	if s == "" {
		return out
	}
	if n := len(out); n > 0 && out[n-1].Match == match {
		out[n-1].Text += s
		return out
	}
	return append(out, paper.Span{Text: s, Match: match})
}
