package bot_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
)

// recordHandler notes the request it was given.
type recordHandler struct{ got *bot.Request }

func (h *recordHandler) Handle(_ context.Context, req *bot.Request, _ bot.Responder) error {
	r := *req
	h.got = &r
	return nil
}

func TestRouterDispatch(t *testing.T) {
	search, show, help := &recordHandler{}, &recordHandler{}, &recordHandler{}
	r, err := bot.NewRouter([]bot.CommandSpec{
		{Name: "search", Default: true, Summary: "search", Handler: search},
		{Name: "show", Aliases: []string{"paper"}, Summary: "show", Handler: show},
		{Name: "help", Summary: "help", Handler: help},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text    string
		h       *recordHandler
		command string
		args    string
	}{
		{"diffusion models", search, "search", "diffusion models"},
		{"search  diffusion", search, "search", "diffusion"},
		{"show 2205.13760", show, "show", "2205.13760"},
		{"SHOW 2205.13760", show, "show", "2205.13760"},
		{"paper 2205.13760", show, "show", "2205.13760"},
		{"   ", help, "help", ""},
		{"", help, "help", ""},
		{"shows of hands", search, "search", "shows of hands"},
		// Any white space ends the command's name: a no-break space
		// (pasted, or typed with Option-space), a new line (Shift-Enter
		// in Slack), a tab.
		{"show\u00a02205.13760", show, "show", "2205.13760"},
		{"show\n2205.13760", show, "show", "2205.13760"},
		{"show\t 2205.13760", show, "show", "2205.13760"},
		{"paper\u30002205.13760", show, "show", "2205.13760"},
	}
	for _, tt := range tests {
		search.got, show.got, help.got = nil, nil, nil
		req := &bot.Request{Text: tt.text}
		if err := r.Handle(context.Background(), req, &bottest.Recorder{}); err != nil {
			t.Fatalf("%q: %v", tt.text, err)
		}
		if tt.h.got == nil || tt.h.got.Command != tt.command || tt.h.got.Args != tt.args {
			t.Errorf("%q: got %+v, want command %q args %q", tt.text, tt.h.got, tt.command, tt.args)
		}
		// Outer middleware sees what was routed.
		if req.Command != tt.command {
			t.Errorf("%q: request's Command = %q after routing", tt.text, req.Command)
		}
	}
}

func TestRouterRejectsBadSpecs(t *testing.T) {
	h := &recordHandler{}
	for name, specs := range map[string][]bot.CommandSpec{
		"duplicate":      {{Name: "a", Summary: "x", Handler: h}, {Name: "b", Aliases: []string{"a"}, Summary: "x", Handler: h}},
		"uppercase":      {{Name: "Show", Summary: "x", Handler: h}},
		"too long":       {{Name: strings.Repeat("a", 33), Summary: "x", Handler: h}},
		"no summary":     {{Name: "a", Handler: h}},
		"long summary":   {{Name: "a", Summary: strings.Repeat("x", 101), Handler: h}},
		"no handler":     {{Name: "a", Summary: "x"}},
		"two defaults":   {{Name: "a", Summary: "x", Handler: h, Default: true}, {Name: "b", Summary: "x", Handler: h, Default: true}},
		"space in alias": {{Name: "a", Summary: "x", Handler: h}, {Name: "a b", Summary: "x", Handler: h}},
		"keyword not in usage": {{Name: "a", Usage: "[topic] [at HH:MM]", Summary: "x", Handler: h,
			Options: []bot.Option{{Name: "at", Keyword: "at"}, {Name: "tz", Keyword: "tz"}}}},
		"keyword on the rest": {{Name: "a", Usage: "[q QUERY]", Summary: "x", Handler: h,
			Options: []bot.Option{{Name: "q", Keyword: "q", Rest: true}}}},
		"keyword twice": {{Name: "a", Usage: "[at T]", Summary: "x", Handler: h,
			Options: []bot.Option{{Name: "at", Keyword: "at"}, {Name: "when", Keyword: "at"}}}},
		"keyword not a word": {{Name: "a", Usage: "[At T]", Summary: "x", Handler: h,
			Options: []bot.Option{{Name: "at", Keyword: "At"}}}},
	} {
		if _, err := bot.NewRouter(specs); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// coreSearcher is a Searcher whose answers a test sets.
type coreSearcher struct {
	results paper.Results
	err     error
	papers  map[string]paper.Paper
	queries []paper.Query
	block   bool // wait for the context to end
}

func (s *coreSearcher) Search(ctx context.Context, q paper.Query) (paper.Results, error) {
	s.queries = append(s.queries, q)
	if s.block {
		<-ctx.Done()
		return paper.Results{}, ctx.Err()
	}
	return s.results, s.err
}

func (s *coreSearcher) Lookup(_ context.Context, id string) (paper.Paper, error) {
	if p, ok := s.papers[id]; ok {
		return p, nil
	}
	return paper.Paper{}, fault.New(fault.NotFound, "paper %s is not in the index", id)
}

func (s *coreSearcher) Similar(_ context.Context, id string, limit int) (paper.Results, error) {
	return s.results, s.err
}

type panicSearcher struct{ coreSearcher }

func (panicSearcher) Search(context.Context, paper.Query) (paper.Results, error) {
	panic("index exploded: secret=hunter2")
}

func newBot(t *testing.T, cfg bot.Config) *bot.Bot {
	t.Helper()
	b, err := bot.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ask(t *testing.T, b *bot.Bot, text string) (bot.Message, error) {
	t.Helper()
	rec := &bottest.Recorder{}
	err := b.Handle(context.Background(), &bot.Request{Platform: "test", Channel: "C1", Text: text}, rec)
	if n := len(rec.Replies()); n != 1 {
		t.Fatalf("%q: %d replies, want 1", text, n)
	}
	return rec.Last(), err
}

// A panic becomes an apology in the channel; the stack goes to the log.
func TestPanicIsRecoveredAndLogged(t *testing.T) {
	var logs bytes.Buffer
	b := newBot(t, bot.Config{Searcher: &panicSearcher{}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	m, err := ask(t, b, "anything")
	if fault.KindOf(err) != fault.Internal {
		t.Errorf("err = %v, want an internal error", err)
	}
	if m.Kind != bot.KindError || !strings.Contains(m.Text, "something went wrong") {
		t.Errorf("reply %+v", m)
	}
	if strings.Contains(m.Text, "hunter2") || strings.Contains(m.Text, "goroutine") || strings.Contains(m.Text, ".go:") {
		t.Errorf("the reply leaks internals: %q", m.Text)
	}
	if !strings.Contains(logs.String(), "handler panicked") || !strings.Contains(logs.String(), "core_test.go") {
		t.Errorf("the log lacks the panic and its stack:\n%s", logs.String())
	}
}

// A handler that overruns its time gets a clear reply, on a fake clock.
func TestTimeoutReply(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBot(t, bot.Config{Searcher: &coreSearcher{block: true}, Timeout: 5 * time.Second})
		start := time.Now()
		m, err := ask(t, b, "slow query")
		if fault.KindOf(err) != fault.Transient {
			t.Errorf("err = %v, want transient", err)
		}
		if !strings.Contains(m.Text, "took too long") {
			t.Errorf("reply %q", m.Text)
		}
		if d := time.Since(start); d != 5*time.Second {
			t.Errorf("gave up after %v, want the 5s timeout", d)
		}
	})
}

func TestErrorMessages(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{fault.New(fault.Invalid, "year:abc is not a year"), "year:abc is not a year"},
		{fault.New(fault.NotFound, "paper 1 is not in the index"), "paper 1 is not in the index"},
		{fault.Wrap(fault.Transient, errors.New("429"), "arXiv is rate limiting us"), "arXiv is rate limiting us. Please try again in a minute."},
		{errors.New("open /var/lib/x: permission denied"), "something went wrong on my side"},
		{fault.Wrap(fault.Internal, errors.New("disk"), "reading index"), "something went wrong on my side"},
	}
	for _, tt := range tests {
		m := bot.ErrorMessage(tt.err)
		if !strings.Contains(m.Text, tt.want) || !m.Ephemeral || m.Kind != bot.KindError {
			t.Errorf("ErrorMessage(%v) = %+v, want text containing %q", tt.err, m, tt.want)
		}
		if strings.Contains(m.Text, "permission denied") || strings.Contains(m.Text, "disk") {
			t.Errorf("internal detail leaked: %q", m.Text)
		}
	}
}

func TestSearchCommand(t *testing.T) {
	p := paper.Paper{ID: "2205.13760", Title: "Tranception", Abstract: "protein fitness", URL: "https://arxiv.org/abs/2205.13760", Authors: []string{"A", "B", "C", "D"}, Published: "2022-05-25"}
	s := &coreSearcher{results: paper.Results{
		Hits:       []paper.Hit{{Paper: p, Snippet: []paper.Span{{Text: "protein", Match: true}, {Text: " fitness"}}}},
		Total:      7,
		DidYouMean: "tranception",
		Fuzzy:      true,
	}}
	disc := discussions{"2205.13760": {{PaperID: "2205.13760", Platform: "test", ChannelName: "ml-papers", URL: "https://chat/t/1", Replies: 12}}}
	b := newBot(t, bot.Config{Searcher: s, Discussions: disc, PageSize: 3})
	m, err := ask(t, b, "tranceptoin")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.queries[0]; got.Text != "tranceptoin" || got.Limit != 3 {
		t.Errorf("query %+v", got)
	}
	if m.Kind != bot.KindResults || !m.Ephemeral || m.Text == "" {
		t.Errorf("message %+v", m)
	}
	if !strings.Contains(m.Intro, "Did you mean: tranception?") {
		t.Errorf("intro %q", m.Intro)
	}
	if len(m.Sections) != 1 {
		t.Fatalf("%d sections", len(m.Sections))
	}
	sec := m.Sections[0]
	if sec.PaperID != p.ID || !sec.Summary[0].Match || sec.URL != p.URL {
		t.Errorf("section %+v", sec)
	}
	var authors, links string
	for _, f := range sec.Fields {
		if f.Name == "Authors" {
			authors = f.Value
		}
	}
	for _, l := range sec.Links {
		links += l.Text() + "=" + l.URL + " "
	}
	if authors != "A, B, C et al." {
		t.Errorf("authors %q", authors)
	}
	for _, want := range []string{"Abstract=", "Hugging Face=https://huggingface.co/papers/2205.13760", "alphaXiv=", "Discussed in #ml-papers (12 replies)=https://chat/t/1"} {
		if !strings.Contains(links, want) {
			t.Errorf("links %q lack %q", links, want)
		}
	}
	if !strings.Contains(m.Footer, "1 of 7") {
		t.Errorf("footer %q", m.Footer)
	}
}

type discussions map[string][]bot.Discussion

func (d discussions) DiscussionsOf(_ context.Context, scope bot.Scope, ids ...string) (map[string][]bot.Discussion, error) {
	out := map[string][]bot.Discussion{}
	for _, id := range ids {
		for _, x := range d[id] {
			if scope.Sees(x) {
				out[id] = append(out[id], x)
			}
		}
	}
	return out, nil
}

// scopeRecorder keeps the scopes discussions are asked for in.
type scopeRecorder struct {
	discussions
	scopes []bot.Scope
}

func (r *scopeRecorder) DiscussionsOf(ctx context.Context, scope bot.Scope, ids ...string) (map[string][]bot.Discussion, error) {
	r.scopes = append(r.scopes, scope)
	return r.discussions.DiscussionsOf(ctx, scope, ids...)
}

// Every command that shows papers asks for the discussions the requester
// may see: a Slack workspace's thread (its permalink, its private
// channel's name) is not shown on Discord, in another workspace or in the
// console, and the console sees the console's threads.
func TestDiscussionsInTheRequestersScope(t *testing.T) {
	p := paper.Paper{ID: "2205.13760", Title: "Tranception", URL: "https://arxiv.org/abs/2205.13760"}
	s := &coreSearcher{results: paper.Results{Hits: []paper.Hit{{Paper: p}}, Total: 1}, papers: map[string]paper.Paper{p.ID: p}}
	rec := &scopeRecorder{discussions: discussions{p.ID: {
		{PaperID: p.ID, Platform: "slack", Team: "T1", ChannelName: "secret-slack", URL: "https://t1.slack.com/archives/C1/p1"},
		{PaperID: p.ID, Platform: "discord", Team: "G1", ChannelName: "papers-g1", URL: "https://discord.com/channels/G1/1"},
		{PaperID: p.ID, Platform: "discord", Team: "G2", ChannelName: "secret-g2", URL: "https://discord.com/channels/G2/2"},
		{PaperID: p.ID, Platform: "console", ChannelName: "console", URL: "console:1"},
	}}}
	b := newBot(t, bot.Config{Searcher: s, Discussions: rec})
	requesters := []struct {
		scope bot.Scope
		sees  string
	}{
		{bot.Scope{Platform: "discord", Team: "G1"}, "papers-g1"},
		{bot.Scope{Platform: "slack", Team: "T1"}, "secret-slack"},
		{bot.Scope{Platform: "slack", Team: "T9"}, ""},
		{bot.Scope{Platform: "discord"}, ""}, // a DM
		{bot.Scope{Platform: "console"}, "#console"},
	}
	for _, who := range requesters {
		for _, cmd := range []string{"show 2205.13760", "2205.13760", "tranception", "similar 2205.13760", "trending"} {
			rec.scopes = nil
			out := &bottest.Recorder{}
			req := &bot.Request{Platform: who.scope.Platform, Team: who.scope.Team, Channel: "C1", Text: cmd}
			if err := b.Handle(t.Context(), req, out); err != nil {
				t.Fatalf("%+v %q: %v", who.scope, cmd, err)
			}
			if len(rec.scopes) == 0 || rec.scopes[0] != who.scope {
				t.Errorf("%+v %q: discussions asked in scopes %+v", who.scope, cmd, rec.scopes)
			}
			var shown []string
			for _, m := range out.Replies() {
				for _, sec := range m.Sections {
					for _, l := range sec.Links {
						if strings.HasPrefix(l.Label, "Discussed in") {
							shown = append(shown, l.Label+" "+l.URL)
						}
					}
				}
			}
			switch {
			case who.sees == "" && len(shown) > 0:
				t.Errorf("%+v %q: shown %q, want no discussion", who.scope, cmd, shown)
			case who.sees != "" && (len(shown) != 1 || !strings.Contains(shown[0], who.sees)):
				t.Errorf("%+v %q: shown %q, want only %s", who.scope, cmd, shown, who.sees)
			}
		}
	}
}

func TestShorten(t *testing.T) {
	if got := bot.Shorten("one two three four", 9); got != "one two…" {
		t.Errorf("Shorten = %q", got)
	}
	if got := bot.Shorten("short", 9); got != "short" {
		t.Errorf("Shorten = %q", got)
	}
	if got := bot.Shorten(strings.Repeat("é", 20), 5); got != strings.Repeat("é", 5)+"…" {
		t.Errorf("Shorten cut inside a rune: %q", got)
	}
}

// blockingSearcher holds every search until released.
type blockingSearcher struct {
	coreSearcher
	started chan struct{}
	release chan struct{}
}

func (s *blockingSearcher) Search(ctx context.Context, q paper.Query) (paper.Results, error) {
	s.started <- struct{}{}
	<-s.release
	return paper.Results{}, nil
}

// At most MaxConcurrent commands run at once; MaxWaiting more wait; the
// rest are told the bot is busy, at once.
func TestConcurrencyLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &blockingSearcher{started: make(chan struct{}, 10), release: make(chan struct{})}
		b := newBot(t, bot.Config{Searcher: s, MaxConcurrent: 2, MaxWaiting: 1, MaxWait: time.Minute, Timeout: time.Hour})
		recs := make([]*bottest.Recorder, 4)
		errs := make([]error, 4)
		for i := range recs {
			recs[i] = &bottest.Recorder{}
			go func() {
				errs[i] = b.Handle(context.Background(), &bot.Request{Text: "q"}, recs[i])
			}()
			synctest.Wait()
		}
		if len(s.started) != 2 {
			t.Fatalf("%d searches running, want 2", len(s.started))
		}
		// The fourth found two running and one waiting: busy, at once.
		if !fault.Is(errs[3], fault.Transient) || !strings.Contains(recs[3].Last().Text, "a lot of commands") {
			t.Errorf("fourth command: %v %q", errs[3], recs[3].Last().Text)
		}
		close(s.release)
		synctest.Wait()
		for i := range 3 {
			if errs[i] != nil {
				t.Errorf("command %d: %v", i, errs[i])
			}
		}
		if len(s.started) != 3 {
			t.Errorf("%d searches ran, want 3 (the waiting one got its turn)", len(s.started))
		}
	})
}

// A command that waits longer than MaxWait is told the bot is busy.
func TestConcurrencyLimitMaxWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &blockingSearcher{started: make(chan struct{}, 10), release: make(chan struct{})}
		b := newBot(t, bot.Config{Searcher: s, MaxConcurrent: 1, MaxWait: 30 * time.Second, Timeout: time.Hour})
		go b.Handle(context.Background(), &bot.Request{Text: "q"}, &bottest.Recorder{})
		synctest.Wait()
		start := time.Now()
		rec := &bottest.Recorder{}
		err := b.Handle(context.Background(), &bot.Request{Text: "q"}, rec)
		if !fault.Is(err, fault.Transient) || time.Since(start) != 30*time.Second {
			t.Errorf("after %v: %v", time.Since(start), err)
		}
		close(s.release)
		synctest.Wait()
	})
}

// failingResponder refuses every reply, as a platform does when its
// response_url expired or it cannot be reached.
type failingResponder struct{ calls int }

func (r *failingResponder) Reply(context.Context, bot.Message) error {
	r.calls++
	return fault.Wrap(fault.Transient, errors.New("slack response_url: 404 Not Found: expired_url"), "Slack refused the reply")
}

// A command whose answer, and then its error reply, could not be sent
// left the user with nothing: the log says so as a warning, not as a
// "command refused" at info level (which reads as the user's mistake).
func TestUndeliveredAnswerIsLoggedAsSuch(t *testing.T) {
	var logs bytes.Buffer
	b := newBot(t, bot.Config{Searcher: &coreSearcher{}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	rw := &failingResponder{}
	err := b.Handle(context.Background(), &bot.Request{Platform: "slack", Channel: "C1", Text: "protein"}, rw)
	if err == nil || rw.calls != 2 {
		t.Fatalf("err = %v after %d replies, want an error after the answer and the error reply", err, rw.calls)
	}
	out := logs.String()
	if !strings.Contains(out, `level=WARN msg="command answer not delivered"`) || !strings.Contains(out, "expired_url") {
		t.Errorf("the log does not warn that the answer was not delivered, with Slack's reason:\n%s", out)
	}
	if strings.Contains(out, "command refused") {
		t.Errorf("an undelivered answer is logged as a refused command:\n%s", out)
	}

	// An answer that failed while the error reply reached the user is a
	// failed command, logged as before.
	logs.Reset()
	once := &flakyResponder{}
	_ = b.Handle(context.Background(), &bot.Request{Platform: "slack", Channel: "C1", Text: "protein"}, once)
	if strings.Contains(logs.String(), "not delivered") {
		t.Errorf("an error reply that was delivered is logged as undelivered:\n%s", logs.String())
	}
}

// flakyResponder refuses the first reply only.
type flakyResponder struct{ calls int }

func (r *flakyResponder) Reply(context.Context, bot.Message) error {
	if r.calls++; r.calls == 1 {
		return fault.New(fault.Transient, "Slack refused the reply")
	}
	return nil
}
