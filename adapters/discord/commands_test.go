package discord

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/paperbot/paperbot/adapters/discord/discordtest"
	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
)

// nullSearcher lets the core be built for its specs.
type nullSearcher struct{}

func (nullSearcher) Search(context.Context, paper.Query) (paper.Results, error) {
	return paper.Results{}, nil
}
func (nullSearcher) Lookup(context.Context, string) (paper.Paper, error) {
	return paper.Paper{}, fault.New(fault.NotFound, "no")
}
func (nullSearcher) Similar(context.Context, string, int) (paper.Results, error) {
	return paper.Results{}, nil
}

func coreSpecs(t *testing.T) []bot.CommandSpec {
	t.Helper()
	b, err := bot.New(bot.Config{Searcher: nullSearcher{}})
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
	golden(t, "register.json", sent)
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
			got, public := commandLine(commandData{Name: "papers", Options: tt.options}, specs)
			if got != tt.want || public != tt.wantPublic {
				t.Errorf("commandLine = %q, %v; want %q, %v", got, public, tt.want, tt.wantPublic)
			}
		})
	}
}
