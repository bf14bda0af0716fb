package bot

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paperbot/paperbot/bot/paper"
)

// Typed shows what a person typed (a query, words naming a paper) between
// curly quotes, cut to n characters, as typed once: text that already starts
// or ends with a quote mark (“direct preference optimization”, "exact
// phrase") is shown as it is, not wrapped in a second pair of quotes.
func Typed(s string, n int) string {
	s = Literal(Truncate(strings.TrimSpace(s), n))
	if r, _ := utf8.DecodeRuneInString(s); isQuoteMark(r) {
		return s
	}
	if r, _ := utf8.DecodeLastRuneInString(s); isQuoteMark(r) {
		return s
	}
	return "“" + s + "”"
}

// isQuoteMark reports whether r is a quote mark a query may hold.
func isQuoteMark(r rune) bool { return strings.ContainsRune(`"“”„«»`, r) }

// ResultsMessage renders search results as a neutral card: one section per
// paper with its highlighted snippet, authors, date, links and discussions.
func ResultsMessage(title string, res paper.Results, disc map[string][]Discussion, command string) Message {
	m := Message{Kind: KindResults, Title: title, Ephemeral: true}
	m.Intro = strings.Join(resultNotes(res), " ")
	if len(res.Hits) == 0 {
		m.Intro = strings.TrimSpace(m.Intro + " No papers found. Try fewer words or filters, or `/" + command + " help`.")
		m.Text = title + ": no papers found."
		return m
	}
	for _, h := range res.Hits {
		m.Sections = append(m.Sections, paperSection(h.Paper, h.Snippet, disc[h.Paper.ID], false))
	}
	shown := len(res.Hits)
	m.Footer = fmt.Sprintf("%d of %d", shown, res.Total)
	if res.Total == uint64(shown) {
		m.Footer = Plural(shown, "paper")
	}
	m.Footer += " · " + sortLabel(res.Sort)
	m.Text = fmt.Sprintf("%s: %s", title, strings.Join(titles(res.Hits, 3), "; "))
	return m
}

// resultNotes are what a results card says before its papers: the
// spelling it searched, and the index's notes on the query.
func resultNotes(res paper.Results) []string {
	var notes []string
	if res.DidYouMean != "" {
		notes = append(notes, "Did you mean: "+res.DidYouMean+"?")
	}
	if res.Fuzzy {
		notes = append(notes, "Showing results for the corrected spelling.")
	}
	return append(notes, res.Notes...)
}

func sortLabel(s paper.Sort) string {
	switch s {
	case paper.ByRecent:
		return "newest first"
	case paper.ByTrending:
		return "trending first"
	}
	return "best match first"
}

func titles(hits []paper.Hit, n int) []string {
	var out []string
	for i, h := range hits {
		if i == n {
			out = append(out, fmt.Sprintf("and %d more", len(hits)-n))
			break
		}
		out = append(out, h.Paper.Title)
	}
	return out
}

// PaperMessage renders one paper in full: abstract, metadata, links and the
// threads where it was discussed.
func PaperMessage(p paper.Paper, disc []Discussion) Message {
	m := Message{Kind: KindPaper, Ephemeral: true, Text: p.Title}
	sec := paperSection(p, nil, disc, true)
	m.Sections = []Section{sec}
	return m
}

// PaperSection renders one paper as a section; full shows the whole abstract
// rather than a snippet.
func PaperSection(p paper.Paper, disc []Discussion, full bool) Section {
	return paperSection(p, nil, disc, full)
}

func paperSection(p paper.Paper, snippet []Span, disc []Discussion, full bool) Section {
	s := Section{PaperID: p.ID, Title: p.Title, URL: p.URL}
	switch {
	case len(snippet) > 0:
		s.Summary = snippet
	case full:
		s.Summary = Plain(p.Abstract)
	default:
		s.Summary = Plain(Shorten(p.Abstract, 300))
	}
	if a := AuthorLine(p.Authors, 3); a != "" {
		s.Fields = append(s.Fields, Field{Name: "Authors", Value: a, Inline: true})
	}
	if p.Published != "" {
		s.Fields = append(s.Fields, Field{Name: "Published", Value: p.Published, Inline: true})
	}
	if len(p.Categories) > 0 {
		cats := p.Categories
		if !full && len(cats) > 3 {
			cats = cats[:3]
		}
		s.Fields = append(s.Fields, Field{Name: "Categories", Value: strings.Join(cats, ", "), Inline: true})
	}
	if st := StatsLine(p); st != "" {
		s.Fields = append(s.Fields, Field{Name: "Stats", Value: st, Inline: true})
	}
	if full && p.AISummary != "" {
		s.Fields = append(s.Fields, Field{Name: "In short", Value: p.AISummary})
	}
	for _, l := range p.Links() {
		s.Links = append(s.Links, Link{Label: l.Label, URL: l.URL})
	}
	for _, d := range disc {
		if d.URL == "" {
			// A thread with no link to it (the console's) is still named.
			s.Fields = append(s.Fields, Field{Name: "Discussion", Value: DiscussionLabel(d)})
			continue
		}
		s.Links = append(s.Links, DiscussionLink(d))
	}
	return s
}

// DiscussionLabel is what a link to a thread says, as plain text:
// "Discussed in #ml-papers (12 replies; last reply Wed 2 Dec 2026 15:04 UTC)".
func DiscussionLabel(d Discussion) string { return DiscussionLink(d).Text() }

// DiscussionLink is the link to a thread: "Discussed in #ml-papers", its
// counts and the time of its last reply after it.
func DiscussionLink(d Discussion) Link {
	// A channel known only by its id (a digest subscribed from a Slack
	// mention carries no name) is named as an id, not as "#C0123".
	where := d.ChannelName
	switch {
	case where == "" && d.Channel != "":
		where = "channel " + d.Channel
	case where != "" && !strings.HasPrefix(where, "#"):
		where = "#" + where
	}
	l := Link{Label: "Discussed in " + where, URL: d.URL}
	var counts []string
	if d.Replies > 0 {
		counts = append(counts, Plural(d.Replies, "reply"))
	}
	if d.Reactions > 0 {
		counts = append(counts, Plural(d.Reactions, "reaction"))
	}
	if len(counts) > 0 {
		l.Note = strings.Join(counts, ", ")
		if d.Replies > 0 && !d.LastReply.IsZero() {
			l.Note += "; last reply"
			l.At = d.LastReply
		}
	}
	return l
}

// AuthorLine lists up to n authors, then "et al.".
func AuthorLine(authors []string, n int) string {
	switch {
	case len(authors) == 0:
		return ""
	case len(authors) <= n:
		return strings.Join(authors, ", ")
	default:
		return strings.Join(authors[:n], ", ") + " et al."
	}
}

// StatsLine summarises a paper's popularity: "▲ 120 · ★ 3,400 · 💬 12".
func StatsLine(p paper.Paper) string {
	var parts []string
	if p.Upvotes > 0 {
		parts = append(parts, "▲ "+thousands(p.Upvotes)+" upvotes")
	}
	if p.Stars > 0 {
		parts = append(parts, "★ "+thousands(p.Stars)+" stars")
	}
	if p.Comments > 0 {
		parts = append(parts, Plural(p.Comments, "comment"))
	}
	return strings.Join(parts, " · ")
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 10000 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Plural is "1 paper", "2 papers", "3 replies".
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if strings.HasSuffix(word, "y") {
		word = strings.TrimSuffix(word, "y") + "ie"
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// Shorten cuts s to at most n runes at a word boundary, adding "…".
func Shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	cut := len(r)
	for i := len(r) - 1; i > n/2; i-- {
		if r[i] == ' ' {
			cut = i
			break
		}
	}
	return strings.TrimRight(string(r[:cut]), " ,;:.") + "…"
}
