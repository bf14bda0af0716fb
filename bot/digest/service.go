package digest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest/schedule"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/paper"
)

// SubscribeResult is what Subscribe did.
type SubscribeResult struct {
	Sub Subscription
	// Replaced is set when the channel had a subscription before;
	// Unchanged when that one had the same schedule (time, zone, days,
	// top, topic): subscribing again changed nothing.
	Replaced, Unchanged bool
	// Matching is how many papers match the topic now.
	Matching uint64
	// DidYouMean is a corrected spelling of the topic, when it looks misspelt.
	DidYouMean string
	// Next is when the first digest is due.
	Next time.Time
}

// Preview is what the next run of a channel's digest posts.
type Preview struct {
	Sub Subscription
	// Date and Due are the local date and due time of that run.
	Date string
	Due  time.Time
	// Day holds the papers, in the order they will be posted.
	Day Day
	// Resuming is set when the run finishes a day already under way; Day
	// then holds only what is left to post.
	Resuming bool
}

// Status is a channel's subscription with its last and next runs.
type Status struct {
	Sub     Subscription
	Next    time.Time
	Last    Day
	HasLast bool
}

// Defaults fill what a chat subscription leaves out.
func (d *Service) fill(s Subscription) Subscription {
	if s.Time == "" {
		s.Time = d.cfg.DefaultTime
	}
	if s.Zone == "" {
		s.Zone = d.cfg.DefaultZone
	}
	if s.Top == 0 {
		s.Top = d.cfg.DefaultTop
		if s.IsWeekly() {
			s.Top = d.cfg.MaxTop
		}
	}
	if loc, err := schedule.LoadZone(s.Zone); err == nil {
		s.Zone = loc.String()
	}
	return s
}

// checkTopic runs the topic query once, as the digest runs it (Strict:
// papers matching all of it, or none), so that a malformed topic is
// refused with the index's explanation of what is wrong. A topic no paper
// matches yet is accepted (the channel follows it until papers come),
// unless it looks mistyped: an option read as words of it ("top three"),
// or a word the index has never seen with a close spelling it has.
func (d *Service) checkTopic(ctx context.Context, topic string) (paper.Results, error) {
	res, err := d.cfg.Searcher.Search(ctx, paper.Query{Text: topic, Sort: paper.ByTrending, Limit: 1, Strict: true})
	if err != nil {
		if msg := fault.UserMessage(err); msg != "" && fault.Is(err, fault.Invalid) {
			return res, fault.Wrap(fault.Invalid, err, "topic %s: %s", quoteTopic(bot.Truncate(topic, 80)), msg)
		}
		return res, err
	}
	refuse := func(msg string) (paper.Results, error) {
		return res, fault.New(fault.Invalid, "topic %s: %s", quoteTopic(bot.Truncate(topic, 80)), strings.TrimRight(msg, ". "))
	}
	// A search goes ahead without what it could not use; a topic with
	// such a part is refused instead, so nothing "was ignored".
	var notes []string
	for _, n := range res.Notes {
		notes = append(notes, strings.ReplaceAll(n, "; it was ignored.", "."))
	}
	if len(notes) > 0 {
		return refuse(strings.Join(notes, " "))
	}
	if res.Total == 0 || res.Fuzzy {
		// "diffusion top three": nothing matches, but the topic without
		// the words that look like an option does.
		if hint, rest := optionHint(topic); hint != "" && strings.TrimSpace(rest) != "" {
			if r, err := d.cfg.Searcher.Search(ctx, paper.Query{Text: rest, Sort: paper.ByTrending, Limit: 1, Strict: true}); err == nil && r.Total > 0 && !r.Fuzzy {
				return refuse("no paper matches all of it" + hint)
			}
		}
	}
	if res.Fuzzy && res.DidYouMean != "" {
		return refuse(misspeltTopic(topic, res.DidYouMean))
	}
	return res, nil
}

// errSetInConfig is wrapped by Subscribe's refusal of a channel whose
// subscription the configuration file sets.
var errSetInConfig = errors.New("the subscription is set in the configuration file")

// optionHint says which words of a topic look like an option that was not
// read as one, or ""; rest is the topic without them: a keyword and the
// word after it ("top three", "at scale"), or a word alone that the
// options take (a time zone "CET", "pm", a time, days). Words in quotes,
// straight or curly, are a phrase, meant as written: none is looked at
// then.
func optionHint(topic string) (hint, rest string) {
	if strings.ContainsAny(topic, `"“”`) {
		return "", topic
	}
	words := strings.Fields(topic)
	without := func(i, n int) string { return strings.Join(append(words[:i:i], words[i+n:]...), " ") }
	for i := 0; i+1 < len(words); i++ {
		next := words[i+1]
		switch strings.ToLower(words[i]) {
		case "top":
			hint = fmt.Sprintf(" (“top %s” was read as words of the topic: top takes a number, like top 3)", next)
		case "at":
			hint = fmt.Sprintf(" (“at %s” was read as words of the topic: at takes a time, like at 09:00)", next)
		case "tz":
			hint = fmt.Sprintf(" (“tz %s” was read as words of the topic: tz takes a time zone, like tz Europe/Berlin)", next)
		case "days":
			hint = fmt.Sprintf(" (“days %s” was read as words of the topic: days takes days, like days mon-fri)", next)
		default:
			continue
		}
		return hint, without(i, 2)
	}
	for i, w := range words {
		switch {
		case meridiem(w) != "":
			hint = fmt.Sprintf(" (“%s” was read as a word of the topic: write the time with it, like at 9:00pm; quote it to keep it as a word)", w)
		case zoneWord(w):
			hint = fmt.Sprintf(" (“%s” was read as a word of the topic: a time zone goes after tz, like tz Europe/Berlin; quote it to keep it as a word)", w)
		case looksClock(w):
			hint = fmt.Sprintf(" (“%s” was read as a word of the topic: a time goes after at, like at 09:00; quote it to keep it as a word)", w)
		case looksDays(w):
			hint = fmt.Sprintf(" (“%s” was read as a word of the topic: days go after days, like days mon-fri; quote it to keep it as a word)", w)
		default:
			continue
		}
		return hint, without(i, 1)
	}
	return "", topic
}

// misspeltTopic says which words of a topic no paper has, with the
// corrections the index suggests: a topic is searched as written, so as
// typed it would never post.
func misspeltTopic(topic, corrected string) string {
	typed, fixed := strings.Fields(topic), strings.Fields(corrected)
	if len(typed) != len(fixed) {
		return fmt.Sprintf("no paper has the words as written (did you mean %s?); a topic is searched as written, so this one would never post", quoteTopic(corrected))
	}
	var unknown, suggested []string
	for i := range typed {
		if !strings.EqualFold(typed[i], fixed[i]) {
			unknown = append(unknown, typed[i])
			suggested = append(suggested, fixed[i])
		}
	}
	return fmt.Sprintf("no paper has %s (did you mean %s?); a topic is searched as written, so this one would never post",
		quoteTopic(strings.Join(unknown, " ")), quoteTopic(strings.Join(suggested, " ")))
}

// zoneWord reports a time zone's abbreviation written in capitals (CET,
// EST, UTC+2) that the options would take after tz.
func zoneWord(w string) bool {
	if len(w) < 3 || len(w) > 9 || w != strings.ToUpper(w) || !unicode.IsLetter(rune(w[0])) {
		return false
	}
	_, err := schedule.LoadZone(w)
	return err == nil
}

// Subscribe creates or replaces a channel's subscription from chat; the
// scheduler picks it up at once. Parts left empty take the defaults.
func (d *Service) Subscribe(ctx context.Context, s Subscription) (SubscribeResult, error) {
	s = d.fill(s)
	s.Source = SourceChat
	if err := s.Validate(d.cfg.MaxTop); err != nil {
		return SubscribeResult{}, err
	}
	old, had, err := d.cfg.Store.Subscription(ctx, s.Platform, s.Channel)
	if err != nil {
		return SubscribeResult{}, err
	}
	if had && old.Source == SourceConfig {
		return SubscribeResult{}, fault.Wrap(fault.Invalid, errSetInConfig, "the %s of %s is set in the configuration file (digest.subscriptions); change it there", whatOf(old), old.Where())
	}
	if err := d.checkChannel(ctx, s); err != nil {
		return SubscribeResult{}, err
	}
	res, err := d.checkTopic(ctx, s.Topic)
	if err != nil {
		return SubscribeResult{}, err
	}
	now := d.cfg.Clock.Now()
	s.Since = now
	if had && old.SameSchedule(s) {
		s.Since = old.Since
	}
	if err := d.cfg.Store.PutSubscription(ctx, s); err != nil {
		return SubscribeResult{}, err
	}
	d.notify()
	d.log.InfoContext(ctx, "digest subscription", "platform", s.Platform, "channel", s.Channel,
		"time", s.Time, "zone", s.Zone, "days", s.Days.String(), "top", s.Top, "topic", s.Topic, "by", s.By)
	out := SubscribeResult{Sub: s, Replaced: had, Unchanged: had && old.SameSchedule(s), Matching: res.Total, DidYouMean: res.DidYouMean}
	if res.Fuzzy {
		out.Matching = 0
	}
	if o, err := d.currentRun(ctx, s, now); err == nil {
		out.Next = o.Due
	}
	return out, nil
}

// channelCheckTimeout bounds the check that the bot can post in a channel
// being subscribed: past it, the subscription goes ahead.
const channelCheckTimeout = 3 * time.Second

// checkChannel refuses a subscription in a channel the platform's poster
// says it cannot post in (bot.ChannelChecker). When the poster cannot
// tell (no answer in time, another error), the subscription goes ahead.
func (d *Service) checkChannel(ctx context.Context, s Subscription) error {
	cc, ok := d.cfg.Poster(s.Platform).(bot.ChannelChecker)
	if !ok {
		return nil
	}
	cctx, cancel := context.WithTimeout(ctx, channelCheckTimeout)
	defer cancel()
	err := cc.CheckChannel(cctx, s.Team, PostChannel(s.Channel))
	switch {
	case err == nil:
		return nil
	case fault.Is(err, fault.Invalid) && fault.UserMessage(err) != "":
		return err
	}
	d.log.InfoContext(ctx, "digest: could not check that the bot can post in the channel; subscribing anyway", "platform", s.Platform, "channel", PostChannel(s.Channel), "err", err)
	return nil
}

// Unsubscribe stops a channel's digest. A day being posted stops before
// its next message (threads of papers already posted are still started).
func (d *Service) Unsubscribe(ctx context.Context, platform, channel string) (Subscription, error) {
	old, had, err := d.cfg.Store.Subscription(ctx, platform, channel)
	if err != nil {
		return Subscription{}, err
	}
	if !had {
		return Subscription{}, d.noSubscription(channel)
	}
	if old.Source == SourceConfig {
		return Subscription{}, fault.New(fault.Invalid, "the %s of %s is set in the configuration file (digest.subscriptions); remove it there", whatOf(old), old.Where())
	}
	if _, err := d.cfg.Store.DeleteSubscription(ctx, platform, channel); err != nil {
		return Subscription{}, err
	}
	d.notify()
	d.log.InfoContext(ctx, "digest unsubscribed", "platform", platform, "channel", channel)
	return old, nil
}

// Subscriptions lists the subscriptions of one workspace or guild (all of
// a platform's when team is ""). A subscription stored without a team (the
// configuration file's, when its team was not found at start-up) is
// placed now: see placeTeam.
func (d *Service) Subscriptions(ctx context.Context, platform, team string) ([]Subscription, error) {
	all, err := d.cfg.Store.Subscriptions(ctx)
	if err != nil {
		return nil, err
	}
	var out []Subscription
	placed := map[string]string{} // channel → team, in this listing
	lookup, cancel := context.WithTimeout(ctx, teamLookupTimeout)
	defer cancel()
	for _, s := range all {
		if s.Platform != platform {
			continue
		}
		if team != "" && s.Team == "" {
			ch := PostChannel(s.Channel)
			t, ok := placed[ch]
			if !ok {
				t = d.placeTeam(lookup, s, team)
				placed[ch] = t
			}
			s.Team = t
		}
		if team == "" || s.Team == team {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b Subscription) int { return strings.Compare(a.Where(), b.Where()) })
	return out, nil
}

// subscription returns a channel's subscription or a NotFound error.
func (d *Service) subscription(ctx context.Context, platform, channel string) (Subscription, error) {
	s, ok, err := d.cfg.Store.Subscription(ctx, platform, channel)
	if err != nil {
		return Subscription{}, err
	}
	if !ok {
		return Subscription{}, d.noSubscription(channel)
	}
	return s, nil
}

// noSubscription is the NotFound error of a channel key without one.
func (d *Service) noSubscription(channel string) error {
	if channel != PostChannel(channel) {
		return fault.New(fault.NotFound, "this channel has no weekly recap (start one with /%s subscribe weekly)", d.cfg.CommandName)
	}
	return fault.New(fault.NotFound, "this channel has no daily digest (start one with /%s subscribe)", d.cfg.CommandName)
}

// whatOf names what a subscription posts.
func whatOf(s Subscription) string {
	if s.IsWeekly() {
		return "weekly recap"
	}
	return "digest"
}

// Status returns a channel's subscription with its last and next runs.
func (d *Service) Status(ctx context.Context, platform, channel string) (Status, error) {
	s, err := d.subscription(ctx, platform, channel)
	if err != nil {
		return Status{}, err
	}
	st := Status{Sub: s}
	if o, err := d.currentRun(ctx, s, d.cfg.Clock.Now()); err == nil {
		st.Next = o.Due
	}
	st.Last, st.HasLast, err = d.cfg.Store.LastDay(ctx, platform, channel)
	return st, err
}

// Preview returns exactly what the channel's next run would post, in
// order, without posting or recording anything: the rest of a day being
// posted, or else the plan the next due time would make now.
func (d *Service) Preview(ctx context.Context, platform, channel string) (Preview, error) {
	s, err := d.subscription(ctx, platform, channel)
	if err != nil {
		return Preview{}, err
	}
	return d.PreviewOf(ctx, s)
}

// PreviewOf previews the next run of a subscription (which need not be
// stored: `paperbot digest --dry-run` previews configured ones).
func (d *Service) PreviewOf(ctx context.Context, s Subscription) (Preview, error) {
	if s.IsWeekly() {
		return d.previewRecap(ctx, s)
	}
	now := d.cfg.Clock.Now()
	last, ok, err := d.cfg.Store.LastDay(ctx, s.Platform, s.Channel)
	if err != nil {
		return Preview{}, err
	}
	if ok && last.Status == DayOpen && now.Sub(last.Due) <= d.cfg.Grace {
		pv := Preview{Sub: s, Date: last.Date, Due: last.Due, Resuming: true, Day: last}
		pv.Day.Papers = nil
		for _, p := range last.Papers {
			if p.Post.Pending() && !p.Post.Uncertain() {
				pv.Day.Papers = append(pv.Day.Papers, p)
			}
		}
		if len(pv.Day.Papers) > 0 {
			if loc, err := d.zone(s.Zone); err == nil {
				pv.Due = pv.Due.In(loc)
			}
			return pv, nil
		}
	}
	o, err := d.currentRun(ctx, s, now)
	if err != nil {
		return Preview{}, err
	}
	day, err := d.plan(ctx, s, o, now)
	if err != nil {
		return Preview{}, err
	}
	if loc, err := d.zone(s.Zone); err == nil {
		o.Due = o.Due.In(loc)
	}
	return Preview{Sub: s, Date: o.Date, Due: o.Due, Day: day}, nil
}

// SyncConfig makes the stored subscriptions from the configuration file
// match subs: it adds and updates them (a chat subscription of the same
// channel is replaced: the file wins) and removes those the file no
// longer lists. A subscription whose schedule did not change keeps its
// Since, so a restart does not lose a due digest.
func (d *Service) SyncConfig(ctx context.Context, subs []Subscription) error {
	now := d.cfg.Clock.Now()
	want := map[string]bool{}
	for i, s := range subs {
		s = d.fill(s)
		s.Source = SourceConfig
		if err := s.Validate(d.cfg.MaxTop); err != nil {
			return fmt.Errorf("digest.subscriptions[%d] (%s:%s): %s", i, s.Platform, s.Channel, fault.UserMessage(err))
		}
		if _, err := d.checkTopic(ctx, s.Topic); err != nil {
			return fmt.Errorf("digest.subscriptions[%d] (%s:%s): %s", i, s.Platform, s.Channel, orError(fault.UserMessage(err), err))
		}
		key := s.Platform + "\x00" + s.Channel
		if want[key] {
			return fmt.Errorf("digest.subscriptions[%d]: channel %s:%s is listed twice", i, s.Platform, s.Channel)
		}
		want[key] = true
		old, had, err := d.cfg.Store.Subscription(ctx, s.Platform, s.Channel)
		if err != nil {
			return err
		}
		s = FromConfig(s, old, had, now)
		if had && old == s {
			continue
		}
		if had && old.Source == SourceChat {
			d.log.InfoContext(ctx, "digest subscription from chat replaced by the configuration file", "platform", s.Platform, "channel", s.Channel)
		}
		if err := d.cfg.Store.PutSubscription(ctx, s); err != nil {
			return err
		}
	}
	all, err := d.cfg.Store.Subscriptions(ctx)
	if err != nil {
		return err
	}
	for _, s := range all {
		if s.Source == SourceConfig && !want[s.Platform+"\x00"+s.Channel] {
			if _, err := d.cfg.Store.DeleteSubscription(ctx, s.Platform, s.Channel); err != nil {
				return err
			}
			d.log.InfoContext(ctx, "digest subscription removed from the configuration file", "platform", s.Platform, "channel", s.Channel)
		}
	}
	d.notify()
	return nil
}

// FromConfig is what the configuration file's subscription s becomes
// when it is stored over old (had: what the store holds for its channel),
// now: the file wins over a subscription made in chat, a schedule that
// did not change keeps its Since, so a restart does not lose a due
// digest, and an entry without team: keeps the team stored for its
// channel. SyncConfig stores it; paperbot digest previews it.
func FromConfig(s, old Subscription, had bool, now time.Time) Subscription {
	s.Source = SourceConfig
	s.Since = now
	if had && old.SameSchedule(s) {
		s.Since = old.Since
	}
	if had && s.Team == "" {
		// The team the adapter found for the channel (ResolveTeams), or
		// the workspace it was subscribed from in chat.
		s.Team = old.Team
	}
	return s
}

func orError(msg string, err error) string {
	if msg != "" {
		return msg
	}
	return err.Error()
}
