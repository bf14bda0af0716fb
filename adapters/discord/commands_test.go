package discord

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/adapters/discord/discordtest"
	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/bottest"
	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/digest/schedule"
	"github.com/paperbot/paperbot/bot/fault"
)

func coreSpecs(t *testing.T) []bot.CommandSpec {
	t.Helper()
	b, err := bot.New(bot.Config{Searcher: bottest.NewSearcher()})
	if err != nil {
		t.Fatal(err)
	}
	return b.Commands()
}

// TestRegisterGolden: the JSON sent to Discord's bulk overwrite, built from
// the core's own specs. When the core's commands change, check the diff and
// run: go test ./adapters/discord -run TestRegisterGolden -update
func TestRegisterGolden(t *testing.T) {
	fake := discordtest.New(t)
	a := newTestAdapter(t, fake, Options{})
	cmd, err := BuildCommand("papers", "", coreSpecs(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Register(context.Background(), "100000000000000001", "", []Command{cmd}); err != nil {
		t.Fatal(err)
	}
	reqs := fake.Requests()
	if len(reqs) != 1 || reqs[0].Method != "PUT" || reqs[0].Path != "/applications/100000000000000001/commands" {
		t.Fatalf("requests = %+v, want one PUT /applications/{app}/commands", reqs)
	}
	if got := reqs[0].Header.Get("Authorization"); got != "Bot test-token" {
		t.Errorf("Authorization = %q", got)
	}
	var sent any
	if err := reqs[0].JSON(&sent); err != nil {
		t.Fatal(err)
	}
	golden(t, "register", sent)
}

func TestRegisterScopes(t *testing.T) {
	fake := discordtest.New(t)
	a := newTestAdapter(t, fake, Options{})
	cmd, err := BuildCommand("papers", "", coreSpecs(t))
	if err != nil {
		t.Fatal(err)
	}
	// Guild scope, and the application id looked up when not given.
	out, err := a.Register(context.Background(), "", "222", []Command{cmd})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 {
		t.Fatalf("Discord's answer has %d commands, want 1", len(out))
	}
	reqs := fake.Requests()
	if len(reqs) != 2 || reqs[0].Path != "/applications/@me" || reqs[1].Path != "/applications/100000000000000001/guilds/222/commands" {
		t.Fatalf("requests = %v %v", reqs[0].Path, reqs[len(reqs)-1].Path)
	}
}

func TestBuildCommand(t *testing.T) {
	specs := []bot.CommandSpec{
		{Name: "subscribe", Summary: strings.Repeat("s", 100), Options: []bot.Option{
			{Name: "query", Description: "Topic", Rest: true},
			{Name: "top", Description: "How many papers", Type: bot.OptInteger, Min: 1, Max: 10},
			{Name: "at", Description: strings.Repeat("d", 150), Required: true},
		}},
		{Name: "help", Summary: "Help"},
	}
	cmd, err := BuildCommand("papers", "", specs)
	if err != nil {
		t.Fatal(err)
	}
	sub := cmd.Options[0]
	var names []string
	for _, o := range sub.Options {
		names = append(names, o.Name)
	}
	// Required first (Discord's rule), then in declaration order, then public.
	if got := strings.Join(names, ","); got != "at,query,top,public" {
		t.Errorf("option order = %s", got)
	}
	if d := sub.Options[0].Description; runes(d) != 100 || !strings.HasSuffix(d, "…") {
		t.Errorf("long description not cut to 100: %d %q", runes(d), d)
	}
	top := sub.Options[2]
	if top.Type != optInteger || top.MinValue == nil || *top.MinValue != 1 || top.MaxValue == nil || *top.MaxValue != 10 {
		t.Errorf("integer option = %+v", top)
	}
	if pub := sub.Options[3]; pub.Type != optBoolean || pub.Required {
		t.Errorf("public option = %+v", pub)
	}

	bad := []struct {
		name  string
		cmd   string
		specs []bot.CommandSpec
		want  string
	}{
		{"upper-case command", "Papers", specs, `command name "Papers"`},
		{"long command", strings.Repeat("p", 33), specs, "1-32"},
		{"no specs", "papers", nil, "no subcommands"},
		{"bad option", "papers", []bot.CommandSpec{{Name: "x", Summary: "x", Options: []bot.Option{{Name: "Bad Name"}}}}, `subcommand "x", option "Bad Name"`},
		{"too many", "papers", make([]bot.CommandSpec, 26), "26 subcommands"},
	}
	for _, tt := range bad {
		if _, err := BuildCommand(tt.cmd, "", tt.specs); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to mention %q", tt.name, err, tt.want)
		}
	}
}

func TestCommandLine(t *testing.T) {
	specs := append(coreSpecs(t), bot.CommandSpec{Name: "subscribe", Summary: "s", Options: []bot.Option{
		{Name: "query", Rest: true}, {Name: "at"}, {Name: "top", Type: bot.OptInteger},
	}})
	opt := func(name string, typ int, value any, sub ...dataOption) dataOption {
		var raw json.RawMessage
		if value != nil {
			raw, _ = json.Marshal(value)
		}
		return dataOption{Name: name, Type: typ, Value: raw, Options: sub}
	}
	tests := []struct {
		name       string
		options    []dataOption
		want       string
		wantPublic bool
	}{
		{"show", []dataOption{opt("show", optSubcommand, nil, opt("paper", optString, "2205.13760"))}, "show 2205.13760", false},
		{"search keeps its name so a query starting with a command word stays a query",
			[]dataOption{opt("search", optSubcommand, nil, opt("query", optString, "show me  diffusion"))}, "search show me diffusion", false},
		{"public flag", []dataOption{opt("trending", optSubcommand, nil, opt("public", optBoolean, true))}, "trending", true},
		{"public false", []dataOption{opt("help", optSubcommand, nil, opt("public", optBoolean, false))}, "help", false},
		{"spec order, rest last, integers as integers", []dataOption{opt("subscribe", optSubcommand, nil,
			opt("top", optInteger, 5), opt("query", optString, "protein design"), opt("at", optString, "09:00"))}, "subscribe 09:00 5 protein design", false},
		{"unknown subcommand passes through", []dataOption{opt("frobnicate", optSubcommand, nil, opt("x", optString, "y"))}, "frobnicate y", false},
		{"group", []dataOption{opt("digest", optSubGroup, nil, opt("preview", optSubcommand, nil))}, "digest preview", false},
		{"no options", nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, public, _ := commandLine(commandData{Name: "papers", Options: tt.options}, specs)
			if got != tt.want || public != tt.wantPublic {
				t.Errorf("commandLine = %q, %v; want %q, %v", got, public, tt.want, tt.wantPublic)
			}
		})
	}
}

// subscribeRecorder is the digest as the core's subscribe handler sees it:
// it keeps the subscription it is asked for.
type subscribeRecorder struct{ got []digest.Subscription }

func (r *subscribeRecorder) Subscribe(_ context.Context, s digest.Subscription) (digest.SubscribeResult, error) {
	r.got = append(r.got, s)
	if s.Time == "" {
		s.Time = "09:00"
	}
	if s.Zone == "" {
		s.Zone = "UTC"
	}
	if s.Top == 0 {
		s.Top = 5
	}
	return digest.SubscribeResult{Sub: s, Matching: 1}, nil
}
func (r *subscribeRecorder) Unsubscribe(context.Context, string, string) (digest.Subscription, error) {
	return digest.Subscription{}, fault.New(fault.NotFound, "none")
}
func (r *subscribeRecorder) Subscriptions(context.Context, string, string) ([]digest.Subscription, error) {
	return nil, nil
}
func (r *subscribeRecorder) Status(context.Context, string, string) (digest.Status, error) {
	return digest.Status{}, fault.New(fault.NotFound, "none")
}
func (r *subscribeRecorder) Preview(context.Context, string, string) (digest.Preview, error) {
	return digest.Preview{}, fault.New(fault.NotFound, "none")
}

// Each typed option of /papers subscribe reaches the core as the option it
// is: the interaction's line, through the core's router, to the
// subscription the digest is asked for. A value is never taken for another
// option because of its shape (at:9 is not top 9, days:sat is not a topic).
func TestSubscribeOptionsReachTheCore(t *testing.T) {
	str := func(name, v string) dataOption {
		raw, _ := json.Marshal(v)
		return dataOption{Name: name, Type: optString, Value: raw}
	}
	integer := func(name string, v int) dataOption {
		raw, _ := json.Marshal(v)
		return dataOption{Name: name, Type: optInteger, Value: raw}
	}
	tests := []struct {
		name    string
		options []dataOption
		want    digest.Subscription // Time, Zone, Top, Days, Topic
		wantErr string
	}{
		{"at 9 is the time, not top 9", []dataOption{str("at", "9")}, digest.Subscription{Time: "09:00"}, ""},
		{"at 17 is the time", []dataOption{str("at", "17")}, digest.Subscription{Time: "17:00"}, ""},
		{"at with a space before am", []dataOption{str("at", "9 am")}, digest.Subscription{Time: "09:00"}, ""},
		{"at 8:30", []dataOption{str("at", "8:30")}, digest.Subscription{Time: "08:30"}, ""},
		{"an impossible time is an error", []dataOption{str("at", "25:00")}, digest.Subscription{}, "time"},
		{"tz in lower case", []dataOption{str("tz", "europe/berlin")}, digest.Subscription{Zone: "Europe/Berlin"}, ""},
		{"tz spelt as the database spells it", []dataOption{str("tz", "america/port-au-prince")}, digest.Subscription{Zone: "America/Port-au-Prince"}, ""},
		{"tz UTC", []dataOption{str("tz", "utc")}, digest.Subscription{Zone: "UTC"}, ""},
		{"an unknown zone is an error", []dataOption{str("tz", "Mars/Olympus")}, digest.Subscription{}, "not a known time zone"},
		{"top", []dataOption{integer("top", 3)}, digest.Subscription{Top: 3}, ""},
		{"days sat is days, not a topic", []dataOption{str("days", "sat")}, digest.Subscription{Days: mustDays(t, "sat")}, ""},
		{"days with spaces", []dataOption{str("days", "mon, wed")}, digest.Subscription{Days: mustDays(t, "mon,wed")}, ""},
		{"days mon-fri", []dataOption{str("days", "mon-fri")}, digest.Subscription{Days: mustDays(t, "mon-fri")}, ""},
		{"topic alone", []dataOption{str("topic", "protein design")}, digest.Subscription{Topic: "protein design"}, ""},
		{"a topic that looks like a day stays the topic", []dataOption{str("topic", "sat solvers")}, digest.Subscription{Topic: "sat solvers"}, ""},
		// The topic option follows the typed options and reads as a typed
		// line does (docs/digest.md): keyword parts in it count, a number
		// opening it stays a topic word after a typed option.
		{"a number opening the topic after a typed option stays the topic", []dataOption{str("at", "9"), str("topic", "2 bit quantization")},
			digest.Subscription{Time: "09:00", Topic: "2 bit quantization"}, ""},
		{"keyword parts written in the topic count", []dataOption{str("topic", "diffusion top 3 at 03:00 tz Asia/Tokyo")},
			digest.Subscription{Time: "03:00", Zone: "Asia/Tokyo", Top: 3, Topic: "diffusion"}, ""},
		{"a wrong top in the topic is worded as every wrong top", []dataOption{str("topic", "diffusion top 50 at 03:00 tz Asia/Tokyo")},
			digest.Subscription{}, "top 50 is not a number of papers from 1 to 10 (like top 5)"},
		{"a part set by its option and in the topic", []dataOption{str("at", "9"), str("topic", "diffusion at 10:00")},
			digest.Subscription{}, "the time is given twice"},
		{"a channel in the topic", []dataOption{str("topic", "<#123456789012345678> diffusion")},
			digest.Subscription{}, "names a channel: a digest is set from inside the channel it is for, so run /papers subscribe in that channel"},
		{"everything, in any order", []dataOption{
			str("topic", "diffusion models"), str("days", "weekdays"), integer("top", 2), str("tz", "america/new_york"), str("at", "7"),
		}, digest.Subscription{Time: "07:00", Zone: "America/New_York", Top: 2, Days: mustDays(t, "weekdays"), Topic: "diffusion models"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dig := &subscribeRecorder{}
			core, err := bot.New(bot.Config{Searcher: bottest.NewSearcher(), Digest: digest.ChatCommands(dig, "papers")})
			if err != nil {
				t.Fatal(err)
			}
			sub := dataOption{Name: "subscribe", Type: optSubcommand, Options: tt.options}
			line, _, _ := commandLine(commandData{Name: "papers", Options: []dataOption{sub}}, core.Commands())
			rec := &bottest.Recorder{}
			req := &bot.Request{Platform: "discord", Team: "G1", Channel: "C1", User: "U1", Text: line}
			_ = core.Handle(t.Context(), req, rec)
			if tt.wantErr != "" {
				if len(dig.got) != 0 || !strings.Contains(rec.Text(), tt.wantErr) {
					t.Fatalf("line %q: subscribed %+v, replied %q; want an error about %q", line, dig.got, rec.Text(), tt.wantErr)
				}
				return
			}
			if len(dig.got) != 1 {
				t.Fatalf("line %q: no subscription; replied %q", line, rec.Text())
			}
			g := dig.got[0]
			got := digest.Subscription{Time: g.Time, Zone: g.Zone, Top: g.Top, Days: g.Days, Topic: g.Topic}
			if got != tt.want {
				t.Errorf("line %q: subscription %+v, want %+v", line, got, tt.want)
			}
		})
	}
}

func mustDays(t *testing.T, s string) schedule.Weekdays {
	t.Helper()
	d, err := schedule.ParseDays(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
