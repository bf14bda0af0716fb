package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/fault"
)

// Application command and option types (Discord's numbers).
const (
	cmdChatInput      = 1
	optSubcommand     = 1
	optSubGroup       = 2
	optString         = 3
	optInteger        = 4
	optBoolean        = 5
	maxSubcommands    = 25
	maxOptions        = 25
	maxDescription100 = 100
)

// PublicOption is the boolean option added to every subcommand: true posts
// the answer in the channel instead of only to the person who asked.
const PublicOption = "public"

// DefaultCommandDescription describes /papers in Discord's command picker.
const DefaultCommandDescription = "Search, show and share research papers"

// Command is an application command as Discord's bulk overwrite takes it.
type Command struct {
	Name        string          `json:"name"`
	Type        int             `json:"type"`
	Description string          `json:"description"`
	Options     []CommandOption `json:"options,omitempty"`
}

// CommandOption is a subcommand or an option of one.
type CommandOption struct {
	Type        int             `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Required    bool            `json:"required,omitempty"`
	MinValue    *int            `json:"min_value,omitempty"`
	MaxValue    *int            `json:"max_value,omitempty"`
	Options     []CommandOption `json:"options,omitempty"`
}

var nameRE = regexp.MustCompile(`^[-_\p{Ll}\p{Lo}\p{N}]{1,32}$`)

// BuildCommand generates the slash command from the core's specs: one
// subcommand per spec, each with its typed options (required ones first,
// as Discord demands) and the optional "public" flag. Invalid specs are an
// error that names the spec, so a bad spec fails registration, not a user.
func BuildCommand(name, description string, specs []bot.CommandSpec) (Command, error) {
	if !nameRE.MatchString(name) {
		return Command{}, fmt.Errorf("command name %q: must be 1-32 lowercase letters, digits, - or _", name)
	}
	if description == "" {
		description = DefaultCommandDescription
	}
	cmd := Command{Name: name, Type: cmdChatInput, Description: cutDesc(description)}
	if len(specs) == 0 {
		return Command{}, fmt.Errorf("command %q: no subcommands", name)
	}
	if len(specs) > maxSubcommands {
		return Command{}, fmt.Errorf("command %q: %d subcommands, Discord allows %d", name, len(specs), maxSubcommands)
	}
	for _, s := range specs {
		if !nameRE.MatchString(s.Name) {
			return Command{}, fmt.Errorf("subcommand %q: name must be 1-32 lowercase letters, digits, - or _", s.Name)
		}
		sub := CommandOption{Type: optSubcommand, Name: s.Name, Description: cutDesc(orDefault(s.Summary, s.Name))}
		hasPublic := false
		for _, o := range s.Options {
			if !nameRE.MatchString(o.Name) {
				return Command{}, fmt.Errorf("subcommand %q, option %q: name must be 1-32 lowercase letters, digits, - or _", s.Name, o.Name)
			}
			hasPublic = hasPublic || o.Name == PublicOption
			opt := CommandOption{Type: optString, Name: o.Name, Description: cutDesc(orDefault(o.Description, o.Name)), Required: o.Required}
			if o.Type == bot.OptInteger {
				opt.Type = optInteger
				if o.Min != 0 || o.Max != 0 {
					opt.MinValue = &o.Min
					if o.Max >= o.Min {
						opt.MaxValue = &o.Max
					}
				}
			}
			sub.Options = append(sub.Options, opt)
		}
		if !hasPublic {
			sub.Options = append(sub.Options, CommandOption{Type: optBoolean, Name: PublicOption,
				Description: "Show the answer to everyone in the channel (default: only you)"})
		}
		if len(sub.Options) > maxOptions {
			return Command{}, fmt.Errorf("subcommand %q: %d options, Discord allows %d", s.Name, len(sub.Options), maxOptions)
		}
		// Discord rejects a required option after an optional one.
		slices.SortStableFunc(sub.Options, func(a, b CommandOption) int {
			switch {
			case a.Required == b.Required:
				return 0
			case a.Required:
				return -1
			}
			return 1
		})
		cmd.Options = append(cmd.Options, sub)
	}
	return cmd, nil
}

func orDefault(s, d string) string {
	if strings.TrimSpace(s) == "" {
		return d
	}
	return s
}

func cutDesc(s string) string { return cut(strings.TrimSpace(s), maxDescription100) }

// Register replaces every command of the application in one scope with
// cmds (bulk overwrite): in guildID when set (instant; for development),
// otherwise globally. It returns Discord's answer (with the command ids).
func (a *Adapter) Register(ctx context.Context, appID, guildID string, cmds []Command) ([]json.RawMessage, error) {
	if appID == "" {
		id, err := a.ApplicationID(ctx)
		if isUnauthorized(err) {
			return nil, tokenRejected(err)
		}
		if err != nil {
			return nil, err
		}
		appID = id
	}
	path := "/applications/" + appID + "/commands"
	if guildID != "" {
		path = "/applications/" + appID + "/guilds/" + guildID + "/commands"
	}
	var out []json.RawMessage
	if cmds == nil {
		cmds = []Command{}
	}
	err := a.rest.do(ctx, "PUT", path, "PUT "+path, cmds, &out)
	if isUnauthorized(err) {
		return nil, tokenRejected(err)
	}
	if e, ok := errors.AsType[*APIError](err); ok && (e.Status == http.StatusForbidden || e.Code == codeMissingAccess) {
		where := "globally"
		if guildID != "" {
			where = "in server " + guildID + " (is the bot in it, invited with the applications.commands scope?)"
		}
		return nil, fault.Wrap(fault.Invalid, e, "Discord refused to register application %s's commands %s: check discord.application_id", appID, where)
	}
	return out, err
}

// ApplicationID asks Discord for the bot's application id.
func (a *Adapter) ApplicationID(ctx context.Context) (string, error) {
	var app struct {
		ID string `json:"id"`
	}
	if err := a.rest.do(ctx, "GET", "/applications/@me", "GET /applications/@me", nil, &app); err != nil {
		return "", err
	}
	if app.ID == "" {
		return "", fmt.Errorf("discord: GET /applications/@me returned no id")
	}
	return app.ID, nil
}

// commandData is an application command interaction's data.
type commandData struct {
	ID      string       `json:"id"`
	Name    string       `json:"name"`
	Type    int          `json:"type"`
	Options []dataOption `json:"options"`
	// CustomID and ComponentType are set for message components.
	CustomID      string `json:"custom_id"`
	ComponentType int    `json:"component_type"`
}

type dataOption struct {
	Name    string          `json:"name"`
	Type    int             `json:"type"`
	Value   json.RawMessage `json:"value"`
	Options []dataOption    `json:"options"`
	Focused bool            `json:"focused"`
}

// commandLine turns a /papers interaction back into the text line the core's
// Router reads ("show 2205.13760"): the subcommand's name, then its options
// in the order the spec declares them, each after its keyword when the spec
// gives one ("subscribe at 9 tz Europe/Berlin"), the rest option last.
// public reports the "public" flag, and chosen whether the user set it (true
// or false) rather than leaving it to the server's default.
func commandLine(d commandData, specs []bot.CommandSpec) (line string, public, chosen bool) {
	opts := d.Options
	var words []string
	// Flatten a subcommand group ("group sub").
	for len(opts) == 1 && (opts[0].Type == optSubcommand || opts[0].Type == optSubGroup) {
		words = append(words, opts[0].Name)
		opts = opts[0].Options
	}
	values := map[string]string{}
	var order []string
	for _, o := range opts {
		if o.Name == PublicOption && o.Type == optBoolean {
			public, chosen = string(bytes.TrimSpace(o.Value)) == "true", true
			continue
		}
		values[o.Name] = optionValue(o.Value)
		order = append(order, o.Name)
	}
	var spec *bot.CommandSpec
	if len(words) > 0 {
		for i := range specs {
			if specs[i].Name == words[len(words)-1] {
				spec = &specs[i]
				break
			}
		}
	}
	if spec == nil {
		// Not in the specs (registered by an older version): pass the
		// options in the order they came; the core answers politely.
		for _, n := range order {
			words = append(words, values[n])
		}
		return strings.TrimSpace(strings.Join(words, " ")), public, chosen
	}
	var rest []string
	for _, o := range spec.Options {
		v, ok := values[o.Name]
		if !ok || v == "" {
			continue
		}
		switch {
		case o.Rest:
			rest = append(rest, v)
		case o.Keyword != "":
			// Named as the text grammar names it ("at 9", "tz
			// Europe/Berlin"): the core reads the option it is, not one
			// its value looks like. The value is one word there.
			words = append(words, o.Keyword, strings.Join(strings.Fields(v), ""))
		default:
			words = append(words, v)
		}
	}
	words = append(words, rest...)
	return strings.TrimSpace(strings.Join(words, " ")), public, chosen
}

// optionValue formats an option's JSON value as text.
func optionValue(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.Join(strings.Fields(s), " ")
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&n) == nil {
		if i, err := n.Int64(); err == nil {
			return strconv.FormatInt(i, 10)
		}
		return n.String()
	}
	return strings.TrimSpace(string(raw))
}
