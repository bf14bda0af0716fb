package bot

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
)

// maxNamed is how many of the ids a message names are looked up; a
// search shows PageSize of them.
const maxNamed = 20

// slackLabel is a Slack link with a label, <url|label words>: the label
// is not words of the message.
var slackLabel = regexp.MustCompile(`<([^<>|\s]+)\|[^<>]*>`)

// NamedPapers returns the arXiv papers that words of text name, by id or
// link, each once in the order written, and the other words. An id or a
// link anywhere in a message names its paper, as people write them in a
// chat: "see https://arxiv.org/abs/2205.13760", "paper: 2205.13760",
// "(arXiv:2205.13760v2)." Words in quotes are a phrase, not ids; a Slack
// link's label is dropped.
func NamedPapers(text string) (ids []string, rest string) {
	text = slackLabel.ReplaceAllString(text, "<$1>")
	var others []string
	inQuote := false
	for _, w := range strings.Fields(text) {
		quoted := inQuote || strings.HasPrefix(w, `"`) || strings.HasPrefix(w, "“")
		if (strings.Count(w, `"`)+strings.Count(w, "“")+strings.Count(w, "”"))%2 == 1 {
			inQuote = !inQuote
		}
		if !quoted {
			if id, ok := paper.ParseArxivID(w); ok {
				if !slices.Contains(ids, id) {
					ids = append(ids, id)
				}
				continue
			}
		}
		others = append(others, w)
	}
	return ids, strings.Join(others, " ")
}

// namedNote says, above the first of the papers a message names, what
// was left: the other words, and the other papers ("" for nothing).
func (b *Bot) namedNote(verb string, ids []string, rest string) string {
	var parts []string
	if rest != "" {
		parts = append(parts, fmt.Sprintf("The words beside the id, %s, were ignored.", Typed(rest, 80)))
	}
	if len(ids) > 1 {
		parts = append(parts, fmt.Sprintf("Your message names %d papers; this is the first: `/%s %s %s` for the next.", len(ids), b.cfg.CommandName, verb, ids[1]))
	}
	if len(parts) == 0 {
		return ""
	}
	return "(" + strings.Join(parts, " ") + ")"
}

// lookupNamed looks up the papers of ids (the first maxNamed) in the
// index: those it holds, in order, and the ids it does not.
func (b *Bot) lookupNamed(ctx context.Context, ids []string) (found []paper.Paper, missing []string, err error) {
	for _, id := range ids[:min(len(ids), maxNamed)] {
		p, err := b.cfg.Searcher.Lookup(ctx, id)
		switch {
		case fault.Is(err, fault.NotFound):
			missing = append(missing, id)
		case err != nil:
			return nil, nil, err
		default:
			found = append(found, p)
		}
	}
	return found, missing, nil
}

// notIndexed is the note for named ids the index does not hold.
func (b *Bot) notIndexed(missing []string) string {
	return fmt.Sprintf("Not in the index: %s (`/%s show <id>` fetches one from arXiv when this paperbot reads arXiv).", strings.Join(missing, ", "), b.cfg.CommandName)
}

// namedAnswer answers a search whose words name papers by id or link,
// when the index holds some of them: one is shown as show shows it,
// several are listed in the order written (PageSize of them), the words
// beside them not searched. It returns false when the index holds none
// (the words are then searched, notes says why).
func (b *Bot) namedAnswer(ctx context.Context, req *Request, rw Responder, ids []string, rest string) (done bool, notes []string, err error) {
	found, missing, err := b.lookupNamed(ctx, ids)
	if err != nil {
		return true, nil, err
	}
	if len(found) == 0 {
		return false, []string{b.notIndexed(missing)}, nil
	}
	if len(found) == 1 && len(missing) == 0 {
		note := ""
		if rest != "" {
			note = fmt.Sprintf("(Showing the paper your message names; the words beside it, %s, were not searched.)", Typed(rest, 80))
		}
		return true, nil, b.replyPaperNote(ctx, req, rw, found[0], note)
	}
	var res paper.Results
	for _, p := range found[:min(len(found), b.cfg.PageSize)] {
		res.Hits = append(res.Hits, paper.Hit{Paper: p})
	}
	res.Total = uint64(len(res.Hits))
	if rest != "" {
		res.Notes = append(res.Notes, fmt.Sprintf("The words beside the ids, %s, were not searched.", Typed(rest, 80)))
	}
	if more := len(ids) - len(missing) - len(res.Hits); more > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d more of the papers named are not shown (`/%s show <id>` shows one).", more, b.cfg.CommandName))
	}
	if len(missing) > 0 {
		res.Notes = append(res.Notes, b.notIndexed(missing))
	}
	disc := b.discussions(ctx, req, res.Hits)
	m := ResultsMessage("Papers your message names", res, disc, b.cfg.CommandName)
	m.Footer = Plural(len(res.Hits), "paper") + " · in the order written"
	return true, nil, rw.Reply(ctx, m)
}
