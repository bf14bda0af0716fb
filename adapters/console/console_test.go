package console

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/paper"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// syncBuffer is a bytes.Buffer safe for the adapter and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// echo is a handler that records each request and replies with its text.
type echo struct {
	mu   sync.Mutex
	reqs []bot.Request
}

func (e *echo) Handle(ctx context.Context, req *bot.Request, rw bot.Responder) error {
	e.mu.Lock()
	e.reqs = append(e.reqs, *req)
	e.mu.Unlock()
	return rw.Reply(ctx, bot.Notice("got ["+req.Text+"]"))
}

func (e *echo) texts() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, r := range e.reqs {
		out = append(out, r.Text)
	}
	return out
}

func TestRunLines(t *testing.T) {
	in := strings.Join([]string{
		"/papers tranception",
		"  protein language models  ", // bare text is a search
		"",
		"/papers",
		"/papers show 2205.13760",
		"/PAPERS\tdiffusion", // any case, any white space
		"/help",
		"papers help", // the command without its slash
		"Papers   show 2205.13760",
		"papers",
		"paperspace", // a word that starts like the command is a search
		"help",
		"/foo bar", // unknown: answered by the console, not the core
		"/",
		"/quit",
		"/papers never read",
	}, "\n")
	var out syncBuffer
	h := &echo{}
	if err := New(strings.NewReader(in), &out, Options{}).Run(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	want := []string{"tranception", "protein language models", "", "show 2205.13760", "diffusion", "help",
		"help", "show 2205.13760", "", "paperspace", "help"}
	if got := h.texts(); !equal(got, want) {
		t.Errorf("requests %q, want %q", got, want)
	}
	for _, r := range h.reqs {
		if r.Platform != "console" || r.Channel != Channel || r.ChannelName != "console" || r.User != "you" || r.UserName != "you" {
			t.Errorf("request %+v", r)
		}
	}
	wantOut := "got [tranception]\n" +
		"got [protein language models]\n" +
		"got []\n" +
		"got [show 2205.13760]\n" +
		"got [diffusion]\n" +
		"got [help]\n" +
		"got [help]\n" +
		"got [show 2205.13760]\n" +
		"got []\n" +
		"got [paperspace]\n" +
		"got [help]\n" +
		"Unknown command /foo. Commands start with /papers; try /papers help.\n" +
		"Unknown command /. Commands start with /papers; try /papers help.\n"
	if got := out.String(); got != wantOut {
		t.Errorf("output:\n%s\nwant:\n%s", got, wantOut)
	}
}

func TestRunOptions(t *testing.T) {
	var out syncBuffer
	h := &echo{}
	a := New(strings.NewReader("/arxiv x\n/papers y\n/exit\n"), &out, Options{Command: "/Arxiv", Prompt: "> ", User: "ada"})
	if err := a.Run(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	if got := h.texts(); !equal(got, []string{"x"}) || h.reqs[0].User != "ada" {
		t.Errorf("requests %+v", h.reqs)
	}
	// A prompt before each command, none after /exit.
	want := "> got [x]\n> Unknown command /papers. Commands start with /arxiv; try /arxiv help.\n> "
	if got := out.String(); got != want {
		t.Errorf("output %q, want %q", got, want)
	}
	if a.Platform() != "console" {
		t.Errorf("Platform() = %q", a.Platform())
	}
}

// The end of the input ends Run with nil; a read error is returned.
func TestRunEndOfInput(t *testing.T) {
	for _, in := range []string{"", "\n\n", "/papers x", "/papers x\n"} {
		h := &echo{}
		if err := New(strings.NewReader(in), io.Discard, Options{}).Run(context.Background(), h); err != nil {
			t.Errorf("%q: %v", in, err)
		}
	}
	boom := errors.New("disk on fire")
	err := New(io.MultiReader(strings.NewReader("/papers x\n"), errReader{boom}), io.Discard, Options{}).Run(context.Background(), &echo{})
	if !errors.Is(err, boom) {
		t.Errorf("read error: %v", err)
	}
}

// A line over 1 MiB (a paste gone wrong) is skipped with a note, and the
// chat goes on; a line of exactly 1 MiB is read.
func TestRunLongLine(t *testing.T) {
	huge := "/papers " + strings.Repeat("x", 2<<20)
	exact := "/papers " + strings.Repeat("y", MaxLine-len("/papers "))
	in := huge + "\n/papers after\r\n" + exact + "\n" + huge // the last line without a newline
	var out syncBuffer
	h := &echo{}
	if err := New(strings.NewReader(in), &out, Options{}).Run(context.Background(), h); err != nil {
		t.Fatalf("Run: %v", err)
	}
	got := h.texts()
	if len(got) != 2 || got[0] != "after" || len(got[1]) != MaxLine-len("/papers ") {
		t.Errorf("handled %d lines (%.20q...), want \"after\" and the 1 MiB line", len(got), got)
	}
	note := fmt.Sprintf("That line was too long (%d bytes; at most %d): it was skipped.\n", len(huge), MaxLine)
	if n := strings.Count(out.String(), note); n != 2 {
		t.Errorf("%d notes %q in %.300q", n, note, out.String())
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// Cancelling ctx ends Run while it waits for input.
func TestRunCancelWhileWaiting(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close() // lets the reading goroutine finish
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	h := &echo{}
	var out syncBuffer
	go func() { done <- New(pr, &out, Options{}).Run(ctx, h) }()
	if _, err := io.WriteString(pw, "/papers first\n"); err != nil {
		t.Fatal(err)
	}
	// The write returns once the line was read. Cancel while Run handles it
	// or waits for more: either way it returns nil.
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
}

// A shutdown waits for the reply in progress, and the handler's context is
// not cancelled under it.
func TestRunCancelFinishesReply(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	var handlerErr error
	h := bot.HandlerFunc(func(ctx context.Context, req *bot.Request, rw bot.Responder) error {
		close(started)
		<-release
		handlerErr = ctx.Err()
		return rw.Reply(ctx, bot.Notice("slow answer"))
	})
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- New(pr, &out, Options{}).Run(ctx, h) }()
	go io.WriteString(pw, "/papers slow\n/papers never\n")
	<-started
	cancel()
	select {
	case err := <-done:
		t.Fatalf("Run returned (%v) before the reply in progress", err)
	default:
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if handlerErr != nil {
		t.Errorf("the handler's context was cancelled: %v", handlerErr)
	}
	if got := out.String(); got != "slow answer\n" {
		t.Errorf("output %q", got)
	}
}

func TestPostAndThread(t *testing.T) {
	var out syncBuffer
	a := New(strings.NewReader(""), &out, Options{RunID: "run7"})
	ctx := context.Background()
	m := bot.Message{Kind: bot.KindDigestPaper, Text: "fallback", Title: "Tranception", Intro: "#1 trending"}
	ref, err := a.Post(ctx, bot.Destination{Team: "T1", Channel: "ml-papers"}, m, bot.PostOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ref.Platform != "console" || ref.Team != "T1" || ref.Channel != "ml-papers" || ref.ID != "run7.1" {
		t.Errorf("ref %+v", ref)
	}
	th, err := a.StartThread(ctx, ref, "Discuss: Tranception", bot.Message{Kind: bot.KindThreadIntro, Text: "Discuss here.\nTwo lines."}, bot.PostOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if th.ID != "run7.1" || th.Channel != "ml-papers" {
		t.Errorf("thread %+v", th)
	}
	ref2, err := a.Post(ctx, bot.Destination{}, bot.Message{Text: "only text"}, bot.PostOptions{})
	if err != nil || ref2.ID != "run7.2" {
		t.Errorf("second post %+v %v", ref2, err)
	}
	want := "── #ml-papers (message 1) ──\nTranception\n#1 trending\n" +
		"   ↳ thread \"Discuss: Tranception\" on message 1\n     Discuss here.\n     Two lines.\n" +
		"── #console (message 2) ──\nonly text\n"
	if got := out.String(); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
}

// Concurrent posts (the digest posts to several channels at once) get
// distinct ids and whole, unmixed messages.
func TestPostConcurrent(t *testing.T) {
	var out syncBuffer
	a := New(strings.NewReader(""), &out, Options{})
	var wg sync.WaitGroup
	ids := make([]string, 20)
	for i := range ids {
		wg.Go(func() {
			ref, err := a.Post(context.Background(), bot.Destination{Channel: "c"}, bot.Message{Text: "line one\nline two"}, bot.PostOptions{})
			if err != nil {
				t.Error(err)
			}
			ids[i] = ref.ID
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Errorf("id %s given twice", id)
		}
		seen[id] = true
	}
	if n := strings.Count(out.String(), "line one\nline two\n"); n != 20 {
		t.Errorf("%d whole messages, want 20:\n%s", n, out.String())
	}
}

// sampleMessages are the kinds of message the core sends, built by the
// core's own renderers.
func sampleMessages() []bot.Message {
	tranception := paper.Paper{
		ID: "2205.13760", Title: "Tranception: protein fitness prediction with autoregressive transformers and inference-time retrieval",
		Abstract:  "The ability to accurately model the fitness landscape of protein sequences is critical to a wide range of applications.",
		Authors:   []string{"Pascal Notin", "Mafalda Dias", "Jonathan Frazer", "Javier Marchena-Hurtado", "Aidan Gomez"},
		Published: "2022-05-27", URL: "https://arxiv.org/abs/2205.13760", PDFURL: "https://arxiv.org/pdf/2205.13760",
		CodeURL: "https://github.com/OATML-Markslab/Tranception", Upvotes: 12, Stars: 150,
	}
	other := paper.Paper{ID: "t-0123456789", Title: "A paper without an id", Abstract: "Short."}
	res := paper.Results{
		Hits: []paper.Hit{
			{Paper: tranception, Score: 3.2, Snippet: []paper.Span{{Text: "…accurately model the fitness landscape of "}, {Text: "protein", Match: true}, {Text: " sequences…"}}},
			{Paper: other, Score: 1.1},
		},
		Total: 7, DidYouMean: "protein",
	}
	disc := map[string][]bot.Discussion{}
	return []bot.Message{
		bot.ResultsMessage("Papers matching “protien”", res, disc, "papers"),
		bot.ResultsMessage("Papers matching “zzz”", paper.Results{}, nil, "papers"),
		bot.PaperMessage(tranception, nil),
		bot.HelpMessage("papers", []bot.CommandSpec{
			{Name: "search", Usage: "<query>", Summary: "Search papers", Examples: []string{"diffusion author:ho"}, Default: true},
			{Name: "show", Usage: "<id|url>", Summary: "Show one paper", Examples: []string{"show 2205.13760"}},
		}),
		bot.Notice("Subscribed #ml-papers to the daily digest at 09:00 UTC."),
		{Kind: bot.KindError, Text: "Something went wrong; try again."},
	}
}

func TestRenderGolden(t *testing.T) {
	for _, c := range []struct {
		golden string
		color  bool
	}{{"render.golden.txt", false}, {"render-color.golden.txt", true}} {
		a := New(strings.NewReader(""), io.Discard, Options{Color: c.color})
		var b strings.Builder
		for _, m := range sampleMessages() {
			b.WriteString("=== " + string(m.Kind) + "\n")
			b.WriteString(a.render(m))
		}
		got := b.String()
		if !c.color && strings.Contains(got, "\x1b") {
			t.Errorf("%s: ANSI escapes without Color", c.golden)
		}
		if c.color && !strings.Contains(got, "\x1b[1mprotein\x1b[0m") {
			t.Errorf("%s: matched word not bold with Color", c.golden)
		}
		path := filepath.Join("testdata", c.golden)
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if got != string(want) {
			t.Errorf("%s differs (go test -update rewrites it):\n%s", path, got)
		}
	}
}

// The rendering through Run is the same as render: a reply with sections
// reaches stdout whole.
func TestRunRendersReplies(t *testing.T) {
	msgs := sampleMessages()
	h := bot.HandlerFunc(func(ctx context.Context, req *bot.Request, rw bot.Responder) error {
		return rw.Reply(ctx, msgs[0])
	})
	var out syncBuffer
	a := New(strings.NewReader("/papers protien\n"), &out, Options{})
	if err := a.Run(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"Papers matching “protien”\nDid you mean: protein?\n",
		"\n1. Tranception: protein fitness prediction",
		"   id: 2205.13760\n",
		"   …accurately model the fitness landscape of protein sequences…\n",
		"   Code: https://github.com/OATML-Markslab/Tranception\n",
		"\n2. A paper without an id\n",
		"2 of 7 · best match first\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "\x1b") {
		t.Error("ANSI escapes in plain output")
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
