package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
)

// NamedPapers returns the arXiv papers that words of text name, by id or
// link, each once in the order written, and the other words. An id or a
// link anywhere in a message names its paper, as people write them in a
// chat: "see https://arxiv.org/abs/2205.13760", "paper: 2205.13760",
// "(arXiv:2205.13760v2)."
func NamedPapers(text string) (ids []string, rest string) {
	var others []string
	for _, w := range strings.Fields(text) {
		if id, ok := paper.ParseArxivID(w); ok {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
			continue
		}
		others = append(others, w)
	}
	return ids, strings.Join(others, " ")
}

// namedNote says, above the first of the papers a message names, what
// was left: the other words, and the other papers.
func (b *Bot) namedNote(verb string, ids []string, rest string) string {
	var parts []string
	if rest != "" {
		parts = append(parts, fmt.Sprintf("The words beside the id, %s, were ignored.", Typed(rest, 80)))
	}
	if len(ids) > 1 {
		parts = append(parts, fmt.Sprintf("Your message names %d papers; this is the first: `/%s %s %s` for the next.", len(ids), b.cfg.CommandName, verb, ids[1]))
	}
	return "(" + strings.Join(parts, " ") + ")"
}

// namedResults answers a search whose words name papers by id or link
// (two or more; one is shown as show shows it): those papers, in the
// order written, the words beside them not searched.
func (b *Bot) namedResults(ctx context.Context, req *Request, rw Responder, ids []string, rest string) error {
	var res paper.Results
	var missing []string
	for _, id := range ids {
		p, err := b.cfg.Searcher.Lookup(ctx, id)
		switch {
		case fault.Is(err, fault.NotFound):
			missing = append(missing, id)
		case err != nil:
			return err
		default:
			res.Hits = append(res.Hits, paper.Hit{Paper: p})
		}
	}
	res.Total = uint64(len(res.Hits))
	if rest != "" {
		res.Notes = append(res.Notes, fmt.Sprintf("The words beside the ids, %s, were not searched.", Typed(rest, 80)))
	}
	if len(missing) > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("Not in the index: %s (`/%s show <id>` fetches one from arXiv when this paperbot reads arXiv).", strings.Join(missing, ", "), b.cfg.CommandName))
	}
	disc := b.discussions(ctx, req, res.Hits)
	m := ResultsMessage("Papers your message names", res, disc, b.cfg.CommandName)
	if len(res.Hits) > 0 {
		m.Footer = Plural(len(res.Hits), "paper") + " · in the order written"
	}
	return rw.Reply(ctx, m)
}
