package bot

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/internal/didyoumean"
)

// mistypedCommand returns the answer for a search whose first word looks
// like a mistyped subcommand ("/papers unsubscibe" must not answer "No
// papers found" and leave the user thinking they unsubscribed): the word
// is at most didyoumean.MaxEdits edits from a command's name and finds no
// paper as a word of its own (no hit, or hits only through the index's
// typo correction). A real word close to a command ("sharing", "trend",
// "digests") still searches, as does "search <anything>". It returns nil
// when the search should run.
func (b *Bot) mistypedCommand(ctx context.Context, req *Request) error {
	first, _ := firstWord(req.Text)
	if strings.EqualFold(first, req.Command) {
		return nil // "search …" typed out
	}
	word, rest := firstWord(req.Args)
	var names []string
	for _, s := range b.router.Specs() {
		if !s.Default {
			names = append(names, s.Name)
			names = append(names, s.Aliases...)
		}
	}
	near := didyoumean.Near(word, names, false)
	cli := slices.Contains(programCommands, strings.ToLower(word))
	if len(near) == 0 && !cli {
		return nil
	}
	res, err := b.cfg.Searcher.Search(ctx, paper.Query{Text: word, Limit: 1})
	if err != nil || len(res.Hits) > 0 && !res.Fuzzy {
		return nil
	}
	if cli {
		// "/papers ingest file.jsonl": the program's command typed in
		// chat. A near chat command (digest) is not what was meant.
		return fault.New(fault.Invalid, "“%s” is a command of the paperbot program (`paperbot %s …`, run where paperbot is installed), not of the chat: `/%s help` lists the chat's commands. To search for the word, use `/%[3]s search %s`.",
			Literal(word), Literal(strings.ToLower(word)), b.cfg.CommandName, Literal(Truncate(req.Args, 100)))
	}
	fixed := "/" + b.cfg.CommandName + " " + near[0]
	if rest = strings.TrimSpace(rest); rest != "" {
		fixed += " " + rest
	}
	return fault.New(fault.Invalid, "“%s” is not a command: did you mean `%s`? To search for the word, use `/%s search %s`.",
		Literal(Truncate(word, 40)), Literal(Truncate(fixed, 200)), b.cfg.CommandName, Literal(Truncate(req.Args, 100)))
}

// programCommands are the paperbot program's commands that are no chat
// command, which people who run paperbot may type in chat too.
var programCommands = []string{"ingest", "serve", "backup", "check", "migrate-state", "register-commands", "eval", "version", "config"}

// checkLink explains a link (the first word of args) that names no paper
// in the index (notFound) and no paper paperbot can read: only arXiv,
// Hugging Face papers and alphaXiv links do. Without it, `show
// https://example.com/abs/2205.13760` said only that the paper was not in
// the index. It returns nil when args is no such link.
func (b *Bot) checkLink(args, command string, notFound error) error {
	first, _ := firstWord(args)
	if !paper.LooksLikeURL(strings.Trim(first, "<>")) {
		return nil
	}
	if _, ok := paper.ParseArxivID(first); ok {
		return nil
	}
	return fault.Wrap(fault.NotFound, notFound, "“%s” is not in the index, and is not an arXiv, Hugging Face or alphaXiv link to a paper. Usage: `/%s %s <arXiv id, like 2205.13760, or a link to arxiv.org/abs/…, huggingface.co/papers/… or alphaxiv.org/abs/…, or words of the title>`",
		Literal(Truncate(first, 100)), b.cfg.CommandName, command)
}

// searchOperator is a search-only operator (sort:, year:, author:, …)
// with its value, quoted or not.
var searchOperator = regexp.MustCompile(`(?i)(?:^|\s)((?:sort|year|since|before|author|cat):(?:"[^"]*"?|\S*))`)

// withoutSearchOperators takes the search-only operators out of the
// argument of a command that names one paper (similar): they do not
// apply there, and left in they would be searched as words of its title.
// It returns the rest and the operators taken out.
func withoutSearchOperators(args string) (rest string, ops []string) {
	for _, m := range searchOperator.FindAllStringSubmatch(args, -1) {
		ops = append(ops, m[1])
	}
	if len(ops) == 0 {
		return args, nil
	}
	return strings.Join(strings.Fields(searchOperator.ReplaceAllString(args, " ")), " "), ops
}

// quotesOnly reports whether args hold nothing but quote marks (`"`, `""`,
// `“`), and whether a quote is left open: there is nothing to search for,
// and a search would only report an empty query.
func quotesOnly(args string) (only, unbalanced bool) {
	n := 0
	for _, r := range args {
		switch {
		case strings.ContainsRune(`"“”„«»`, r):
			n++
		case unicode.IsSpace(r):
		default:
			return false, false
		}
	}
	return n > 0, n%2 == 1
}

// noteResponder puts a note above the first reply's intro: what a command
// ignored of what it was given, whatever path answered.
type noteResponder struct {
	Responder
	note string
}

func (n *noteResponder) Reply(ctx context.Context, m Message) error {
	if n.note != "" {
		m.Intro = strings.TrimSpace(n.note + " " + m.Intro)
		if m.Kind == KindNotice {
			m.Text = m.Intro
		}
		n.note = ""
	}
	return n.Responder.Reply(ctx, m)
}
