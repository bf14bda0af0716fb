package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/store"
	"github.com/paperbot/paperbot/index/sources"
)

// writeDigestConfig writes a configuration with its own data directory.
func writeDigestConfig(t *testing.T, body string) (path, dataDir string) {
	t.Helper()
	dir := t.TempDir()
	dataDir = filepath.Join(dir, "data")
	path = filepath.Join(dir, "paperbot.yaml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf("data_dir: %s\n%s", dataDir, body)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, dataDir
}

func runCmd(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(t.Context(), args, func(string) string { return "" }, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), code
}

const digestConfig = `digest:
  subscriptions:
    - platform: console
      channel: console
      channel_name: papers
      time: "09:00"
      timezone: Europe/Berlin
      top: 3
      topic: '"language model"'
`

var absLink = regexp.MustCompile(`(?m)^\s*Abstract: https://arxiv.org/abs/(\S+)$`)

// previewIDs reads the papers of a preview (plain text, or as the console
// shows it), in order.
func previewIDs(text string) []string {
	var ids []string
	for _, m := range absLink.FindAllStringSubmatch(text, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// `paperbot digest --dry-run` prints what the channel's next digest posts;
// `/papers digest preview` in chat says the same; errors say what is wrong.
func TestDigestDryRun(t *testing.T) {
	cfg, _ := writeDigestConfig(t, digestConfig)
	out, errOut, code := runCmd(t, "", "digest", "--dry-run", "--channel", "console:#papers", "--config", cfg)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "Next digest for #papers · ") || !strings.Contains(out, "Preview only: nothing was posted. Every day at 09:00 Europe/Berlin, top 3.") {
		t.Errorf("dry run:\n%s", out)
	}
	ids := previewIDs(out)
	if len(ids) != 3 {
		t.Fatalf("dry run shows %d papers, want 3:\n%s", len(ids), out)
	}
	// By channel id too, and the chat preview (on the same state) agrees.
	out2, _, code := runCmd(t, "", "digest", "--dry-run", "--channel", "console:console", "--config", cfg)
	if code != 0 || !slices.Equal(previewIDs(out2), ids) {
		t.Errorf("by id: exit %d, ids %v, want %v", code, previewIDs(out2), ids)
	}
	chat, errOut, code := runCmd(t, "/papers digest preview\n", "chat", "--config", cfg)
	if code != 0 {
		t.Fatalf("chat exit %d: %s", code, errOut)
	}
	if got := previewIDs(chat); !slices.Equal(got, ids) {
		t.Errorf("chat preview %v, dry run %v\n%s", got, ids, chat)
	}

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"digest", "--channel", "console:console"}, 2, "only --dry-run is supported"},
		{[]string{"digest", "--dry-run"}, 2, "paperbot digest: --channel is required (PLATFORM:CHANNEL, e.g. slack:C0123ABCD)"},
		{[]string{"digest", "--dry-run", "--channel", "C1"}, 2, `--channel "C1": want PLATFORM:CHANNEL`},
		{[]string{"digest", "--dry-run", "--channel", "slack:C9"}, 1, "slack:C9 is not subscribed; subscribed channels: console:console"},
	} {
		_, errOut, code := runCmd(t, "", append(tc.args, "--config", cfg)...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want %d, %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}

// A bad subscription in the configuration file stops start-up with a
// message that names it.
func TestDigestConfigErrors(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"digest:\n  subscriptions:\n    - {platform: console, channel: C1, timezone: Europe/Berln}\n", `digest.subscriptions[0].timezone: "Europe/Berln" is not a known time zone`},
		{"digest:\n  subscriptions:\n    - {platform: console, channel: C1, topic: 'protein year:abc'}\n", "year:abc is not a year"},
	} {
		cfg, _ := writeDigestConfig(t, tc.body)
		_, errOut, code := runCmd(t, "/papers help\n", "chat", "--config", cfg)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("exit %d, %q; want %q", code, errOut, tc.want)
		}
	}
}

// fakeAdapter is a running adapter as serve lists it: a poster with a
// platform name.
type fakeAdapter struct{ p *bottest.Platform }

func (f fakeAdapter) Platform() string { return f.p.Name }

func (f fakeAdapter) Post(ctx context.Context, to bot.Destination, m bot.Message, opts bot.PostOptions) (bot.MessageRef, error) {
	return f.p.Post(ctx, to, m, bot.PostOptions{})
}

func (f fakeAdapter) StartThread(ctx context.Context, parent bot.MessageRef, title string, m bot.Message, opts bot.PostOptions) (bot.ThreadRef, error) {
	return f.p.StartThread(ctx, parent, title, m, bot.PostOptions{})
}

// setupDigest wires the digest: the chat commands work on the state file,
// config subscriptions are stored, and the scheduler job posts through the
// adapter serve registered for the subscription's platform (found when
// the job runs, after newApp).
func TestSetupDigestWiring(t *testing.T) {
	cfg, dataDir := writeDigestConfig(t, digestConfig)
	// A chat subscription from an earlier run, due a few minutes ago.
	due := time.Now().UTC().Add(-5 * time.Minute)
	putSubscription(t, dataDir, digest.Subscription{
		Platform: "fake", Channel: "F1", ChannelName: "fake-papers", Time: due.Format("15:04"), Zone: "UTC",
		Top: 2, Source: digest.SourceChat, Since: due.Add(-48 * time.Hour),
	})

	c, err := loadConfig(cfg, &env{getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
	a, err := newApp(t.Context(), e, c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()

	var rec bottest.Recorder
	if err := a.bot.Handle(t.Context(), &bot.Request{Platform: "console", Text: "subscriptions"}, &rec); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rec.Text(), "#papers: every day at 09:00 Europe/Berlin, top 3 on \"language model\" (from the configuration file)") {
		t.Errorf("subscriptions:\n%s", rec.Text())
	}

	plat := postDigest(t, a, 5) // header, 2 papers, 2 threads
	calls := plat.Calls()
	if len(calls) != 5 || calls[0].Message.Kind != bot.KindDigestHeader || calls[2].Op != "thread" {
		t.Fatalf("calls %+v", calls)
	}
	// The thread is remembered: /papers show on its platform links to it.
	id := calls[1].Message.Sections[0].PaperID
	rec = bottest.Recorder{}
	if err := a.bot.Handle(t.Context(), &bot.Request{Platform: "fake", Text: "show " + id}, &rec); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rec.Text(), "Discussed in #fake-papers") {
		t.Errorf("show %s:\n%s", id, rec.Text())
	}
	// The console does not see another platform's thread.
	rec = bottest.Recorder{}
	if err := a.bot.Handle(t.Context(), &bot.Request{Platform: "console", Text: "show " + id}, &rec); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(rec.Text(), "Discussed in") {
		t.Errorf("console show %s:\n%s", id, rec.Text())
	}
}

// putSubscription stores a subscription in the state file of dataDir, as
// /papers subscribe in an earlier run did.
func putSubscription(t *testing.T, dataDir string, s digest.Subscription) {
	t.Helper()
	db, err := store.Open(filepath.Join(dataDir, "state.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = db.PutSubscription(t.Context(), s)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
}

// postDigest runs the app's digest job (the first job) with a fake
// platform "fake" until that platform saw calls calls, then stops it.
func postDigest(t *testing.T, a *app, calls int) *bottest.Platform {
	t.Helper()
	// serve registers the adapters before it starts the jobs.
	done := make(chan struct{})
	plat := &bottest.Platform{Name: "fake"}
	n := 0
	plat.After = func(c bottest.Call) error {
		if n++; n == calls {
			close(done)
		}
		return nil
	}
	a.posters = append(a.posters, fakeAdapter{plat})
	ctx, cancel := context.WithCancel(t.Context())
	jobDone := make(chan error, 1)
	go func() { jobDone <- a.jobs[0](ctx) }()
	if r := a.replicas; r != nil {
		// With replicas the digest waits for the index to follow the
		// papers table, as serve's follow job makes it.
		followDone := make(chan struct{})
		go func() { r.follow(a.ix)(ctx); close(followDone) }()
		defer func() { cancel(); <-followDone }()
	}
	select {
	case <-done:
	case err := <-jobDone:
		t.Fatalf("the digest job ended: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatalf("no digest posted within 60s; calls: %d", len(plat.Calls()))
	}
	cancel()
	if err := <-jobDone; err != nil {
		t.Fatal(err)
	}
	return plat
}

// The console chat runs the digest while it is open: a console
// subscription that is due posts its digest into the chat (header, papers,
// threads) while the chat still answers, a Slack subscription due at the
// same time is left to serve (nothing posted, nothing recorded), and the
// chat ends with its input, jobs and all. A second chat posts nothing
// again.
func TestChatPostsTheConsoleDigest(t *testing.T) {
	cfg, dataDir := writeDigestConfig(t, "")
	due := time.Now().UTC().Add(-5 * time.Minute)
	date := due.Format(time.DateOnly)
	db, err := store.Open(filepath.Join(dataDir, "state.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []digest.Subscription{
		{Platform: "console", Channel: "console", ChannelName: "papers"},
		{Platform: "slack", Team: "T1", Channel: "C1", ChannelName: "ml-papers"},
	} {
		s.Time, s.Zone, s.Top, s.Source, s.Since = due.Format("15:04"), "UTC", 2, digest.SourceChat, due.Add(-48*time.Hour)
		if err := db.PutSubscription(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	in, typing := io.Pipe()
	out := newCLIOutput()
	var errOut bytes.Buffer
	done := make(chan error, 1)
	go func() {
		code := run(t.Context(), []string{"chat", "--config", cfg}, func(string) string { return "" }, in, out, &errOut)
		done <- fmt.Errorf("exit %d", code)
	}()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	// Header, two papers, each with its thread.
	out.waitFor(t, ctx, "── #console (message 3) ──", done)
	out.waitFor(t, ctx, " on message 3\n", done)
	fmt.Fprintln(typing, "/papers digest")
	out.waitFor(t, ctx, "Daily digest of #papers", done)
	typing.Close()
	select {
	case err := <-done:
		if err.Error() != "exit 0" {
			t.Fatalf("chat: %v\nstderr: %s", err, errOut.String())
		}
	case <-ctx.Done():
		t.Fatal("the chat did not end with its input")
	}
	if n := strings.Count(out.String(), "↳ thread"); n != 2 {
		t.Errorf("%d threads, want 2:\n%s", n, out.String())
	}

	db, err = store.Open(filepath.Join(dataDir, "state.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	day, ok, err := db.Day(t.Context(), "console", "console", date)
	if err != nil || !ok || day.Status != digest.DayDone {
		t.Errorf("console day %s: %+v %v %v, want done", date, day.Status, ok, err)
	}
	if day, ok, err := db.Day(t.Context(), "slack", "C1", date); ok || err != nil {
		t.Errorf("chat recorded the Slack digest of %s: %+v %v (%s)", date, day.Status, err, day.Note)
	}
	db.Close()

	// Again: the day is done, nothing is posted twice.
	stdout, stderr, code := runCmd(t, "", "chat", "--config", cfg)
	if code != 0 || strings.Contains(stdout, "── #console") {
		t.Errorf("second chat: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
}

// digest --dry-run --state reads the state file the flag names.
func TestDigestDryRunState(t *testing.T) {
	cfg, dataDir := writeDigestConfig(t, "")
	state := filepath.Join(t.TempDir(), "elsewhere.db")
	db, err := store.Open(state, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = db.PutSubscription(t.Context(), digest.Subscription{
		Platform: "slack", Channel: "C9", ChannelName: "elsewhere", Time: "09:00", Zone: "UTC", Top: 2,
		Source: digest.SourceChat, Since: time.Now().Add(-time.Hour),
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runCmd(t, "", "digest", "--dry-run", "--channel", "slack:#elsewhere", "--config", cfg); code == 0 || !strings.Contains(errOut, "no channel is subscribed") {
		t.Errorf("without --state: exit %d, %s", code, errOut)
	}
	out, errOut, code := runCmd(t, "", "digest", "--dry-run", "--channel", "slack:#elsewhere", "--config", cfg, "--state", state)
	if code != 0 || !strings.Contains(out, "elsewhere") {
		t.Errorf("with --state: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "state.db")); err == nil {
		t.Error("the dry run created the data directory's state")
	}
}

// A dry run after serve was stopped in the middle of a source refresh says
// so: the preview comes from the index the refresh left, and serve's
// digest waits for the refresh before it plans a day. It said nothing.
func TestDigestDryRunNamesACutRefresh(t *testing.T) {
	cfg, dataDir := writeDigestConfig(t, digestConfig)
	if _, errOut, code := runCmd(t, "", "digest", "--dry-run", "--channel", "console:console", "--config", cfg); code != 0 || strings.Contains(errOut, "cut short") {
		t.Fatalf("before: exit %d, %s", code, errOut)
	}
	db, err := store.Open(filepath.Join(dataDir, "state.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	since := time.Date(2026, 12, 4, 6, 0, 0, 0, time.UTC)
	err = db.PutCursor(t.Context(), sources.UnfinishedCursor, []byte(`[{"job":"huggingface","since":"`+since.Format(time.RFC3339)+`","owner":"vm/1/serve"}]`))
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCmd(t, "", "digest", "--dry-run", "--channel", "console:console", "--config", cfg)
	if code != 0 || len(previewIDs(out)) != 3 {
		t.Fatalf("exit %d, %d papers\n%s", code, len(previewIDs(out)), errOut)
	}
	if want := `the source refresh "huggingface" was cut short at 2026-12-04T06:00:00Z`; !strings.Contains(errOut, want) || !strings.Contains(errOut, "waits for it (at most 30m0s)") {
		t.Errorf("stderr:\n%s\nwant it to say %q", errOut, want)
	}
}
