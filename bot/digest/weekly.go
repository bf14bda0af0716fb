package digest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/digest/schedule"
)

// This file is the weekly recap: once a week, at a channel's local time on
// its day, one message listing the papers the channel's team engaged with
// most over the past seven days (replies, people who reacted, saves), each
// with a one-line count and a link to its thread, and the papers the
// week's digests posted that nobody opened.
//
// A weekly recap is a Subscription of Kind KindWeekly whose Days hold its
// one day. It is kept beside the channel's daily digest under the channel
// key WeeklyChannel(channel) ("C123/weekly"), in the subscriptions and in
// the ledger alike, so both stores keep it without a schema of their own
// and a channel may have both. Its weeks go through the same ledger as
// the daily digest: the recap (Day.Recap) is computed and saved before
// anything is posted, its message is one Step (claimed, done, looked up
// after an unknown outcome), and an empty week is recorded as DayEmpty,
// posting nothing.

// KindWeekly is the Kind of a weekly recap subscription and of its weeks.
const KindWeekly = "weekly"

// weeklySuffix marks the channel key of a weekly recap.
const weeklySuffix = "/weekly"

// DefaultWeeklyDay is the day a weekly recap is posted when none is given.
const DefaultWeeklyDay = time.Friday

// recapWindow is how far back a recap looks.
const recapWindow = 7 * 24 * time.Hour

// WeeklyChannel is the channel key a channel's weekly recap is kept under.
func WeeklyChannel(channel string) string {
	return PostChannel(channel) + weeklySuffix
}

// PostChannel is the channel a subscription or a day posts to: the channel
// key without the weekly recap's mark.
func PostChannel(key string) string { return strings.TrimSuffix(key, weeklySuffix) }

// IsWeekly reports whether s is a weekly recap.
func (s Subscription) IsWeekly() bool { return s.Kind == KindWeekly }

// Weekly makes s (a channel, a time and a zone) the channel's weekly
// recap, posted on day. Top (how many engaged papers it lists) is filled
// with the digest's maximum when the subscription is stored.
func Weekly(s Subscription, day time.Weekday) Subscription {
	s.Kind = KindWeekly
	s.Channel = WeeklyChannel(s.Channel)
	s.Days = schedule.Day(day)
	s.Topic = ""
	return s
}

// Engagement is what a recap reads besides the ledger: the team's marks
// and the discussions (bot/store and bot/store/pgstore implement it).
type Engagement interface {
	MarksSince(ctx context.Context, scope bot.Scope, since time.Time) ([]bot.Mark, error)
	RecentDiscussions(ctx context.Context, since time.Time) ([]bot.Discussion, error)
}

// Recap is what one week's recap of a channel posts.
type Recap struct {
	// From and To bound the week: From inclusive, To exclusive.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Engaged are the papers the team engaged with most, most first;
	// More is how many more there were.
	Engaged []RecapPaper `json:"engaged,omitempty"`
	More    int          `json:"more,omitempty"`
	// Unopened are the papers the week's digests posted here that got no
	// reply, reaction or save, in the order they were posted.
	Unopened []RecapPaper `json:"unopened,omitempty"`
}

// Empty reports whether the week had nothing to recap.
func (r *Recap) Empty() bool { return r == nil || len(r.Engaged) == 0 && len(r.Unopened) == 0 }

// RecapPaper is one paper of a recap.
type RecapPaper struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// URL is the thread's link (the post's where no thread was started).
	URL string `json:"url,omitempty"`
	// Replies is the thread's reply count (counted when it had a reply
	// in the week); People the people who reacted in the week, on the
	// post or in its thread; Saves the people who saved it in the week.
	Replies int `json:"replies,omitempty"`
	People  int `json:"people,omitempty"`
	Saves   int `json:"saves,omitempty"`
	// Posted is when the week's digest posted it here (zero for an older
	// paper discussed this week).
	Posted time.Time `json:"posted,omitzero"`
}

// score orders engaged papers: the trending score's weights, 5 a reply
// and 3 a person (who reacted or saved).
func (p RecapPaper) score() int { return 5*p.Replies + 3*(p.People+p.Saves) }

// CountLine is the one-line count: "3 people reacted · 5 replies · saved by 2".
func (p RecapPaper) CountLine() string {
	var parts []string
	switch p.People {
	case 0:
	case 1:
		parts = append(parts, "1 person reacted")
	default:
		parts = append(parts, fmt.Sprintf("%d people reacted", p.People))
	}
	if p.Replies > 0 {
		parts = append(parts, bot.Plural(p.Replies, "reply"))
	}
	if p.Saves > 0 {
		parts = append(parts, fmt.Sprintf("saved by %d", p.Saves))
	}
	if len(parts) == 0 {
		return "no replies, reactions or saves"
	}
	return strings.Join(parts, " · ")
}

// recapEnd is the end of the week a recap covers: its due time, or now
// for a preview made before it.
func recapEnd(o occurrence, now time.Time) time.Time {
	if now.Before(o.Due) {
		return now
	}
	return o.Due
}

// planRecap computes a channel's recap of the week before o (or before
// now, for a preview ahead of it). Nothing is saved.
func (d *Service) planRecap(ctx context.Context, sub Subscription, o occurrence, now time.Time) (Day, error) {
	day := Day{
		Kind: KindWeekly, Platform: sub.Platform, Team: sub.Team, Channel: sub.Channel, ChannelName: sub.ChannelName,
		Date: o.Date, Due: o.Due, Zone: sub.Zone, Status: DayOpen, PlannedAt: now,
		Header: Step{Key: postKey(sub.Platform, sub.Channel, o.Date, "recap")},
	}
	loc, err := d.zone(sub.Zone)
	if err != nil {
		return Day{}, err
	}
	to := recapEnd(o, now)
	from := to.Add(-recapWindow)
	r := &Recap{From: from, To: to}
	day.Recap = r
	channel := PostChannel(sub.Channel)
	team := sub.Team
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }

	// The papers the week's digests posted here, from the ledger.
	posted := map[string]*RecapPaper{}
	var order []string
	end := to.In(loc)
	for i := 7; i >= 0; i-- {
		date := time.Date(end.Year(), end.Month(), end.Day()-i, 12, 0, 0, 0, loc).Format(time.DateOnly)
		dd, ok, err := d.cfg.Store.Day(ctx, sub.Platform, channel, date)
		if err != nil {
			return Day{}, err
		}
		if !ok {
			continue
		}
		for _, p := range dd.Papers {
			if !p.Post.IsDone() || !in(p.Post.Done) || posted[p.Paper.ID] != nil {
				continue
			}
			url := p.Thread.Thread.URL
			if url == "" {
				url = p.Post.Message.URL
			}
			if team == "" {
				team = cmp.Or(dd.Team, p.Post.Message.Team)
			}
			posted[p.Paper.ID] = &RecapPaper{ID: p.Paper.ID, Title: p.Paper.Title, URL: url, Posted: p.Post.Done}
			order = append(order, p.Paper.ID)
		}
	}

	// The channel's threads (the reply refresh counts those of the last
	// two weeks; older ones are kept for their reactions).
	eng := d.cfg.Engagement
	threadOf := map[string]string{} // thread id → paper
	disc := map[string]bot.Discussion{}
	replies := map[string]int{}
	people := map[string]map[string]bool{}
	savers := map[string]map[string]bool{}
	if eng != nil {
		ds, err := eng.RecentDiscussions(ctx, from.Add(-8*recapWindow))
		if err != nil {
			return Day{}, fmt.Errorf("reading the discussions for the weekly recap: %w", err)
		}
		for _, x := range ds {
			if x.Platform != sub.Platform || x.Channel != channel {
				continue
			}
			if team == "" {
				team = x.Team
			}
			disc[x.PaperID] = x
			if x.ThreadID != "" {
				threadOf[x.ThreadID] = x.PaperID
			}
			last := x.LastReply
			if last.IsZero() {
				last = x.Started // counted before the time of replies was kept
			}
			if x.Replies > 0 && in(last) {
				replies[x.PaperID] = x.Replies
			}
		}
		marks, err := eng.MarksSince(ctx, bot.Scope{Platform: sub.Platform, Team: team}, from)
		if err != nil {
			return Day{}, fmt.Errorf("reading the marks for the weekly recap: %w", err)
		}
		add := func(set map[string]map[string]bool, m bot.Mark) {
			if set[m.PaperID] == nil {
				set[m.PaperID] = map[string]bool{}
			}
			set[m.PaperID][m.User] = true
		}
		for _, m := range marks {
			if !in(m.At) {
				continue
			}
			here := m.Channel == channel || threadOf[m.Thread] == m.PaperID && m.Thread != "" || threadOf[m.Channel] == m.PaperID
			switch m.Kind {
			case bot.MarkReaction:
				if here {
					add(people, m)
				}
			case bot.MarkSave:
				// A save counts for the channel that posted or discussed
				// the paper, wherever it was typed in the workspace.
				if _, ok := disc[m.PaperID]; here || ok || posted[m.PaperID] != nil {
					add(savers, m)
				}
			}
		}
	}

	d.foldTwins(ctx, posted, replies, people, savers)
	ids := map[string]bool{}
	for id := range replies {
		ids[id] = true
	}
	for id := range people {
		ids[id] = true
	}
	for id := range savers {
		ids[id] = true
	}
	var engaged []RecapPaper
	for id := range ids {
		p := RecapPaper{ID: id, Replies: replies[id], People: len(people[id]), Saves: len(savers[id])}
		if x := posted[id]; x != nil {
			p.Title, p.URL, p.Posted = x.Title, x.URL, x.Posted
		}
		if x, ok := disc[id]; ok && x.URL != "" {
			p.URL = x.URL
		}
		if p.Title == "" {
			p.Title = id
			if found, err := d.cfg.Searcher.Lookup(ctx, id); err == nil && found.Title != "" {
				p.Title = found.Title
			}
		}
		engaged = append(engaged, p)
	}
	slices.SortFunc(engaged, func(a, b RecapPaper) int {
		return cmp.Or(cmp.Compare(b.score(), a.score()), cmp.Compare(a.ID, b.ID))
	})
	top := sub.Top
	if top <= 0 {
		top = d.cfg.MaxTop
	}
	if len(engaged) > top {
		r.More = len(engaged) - top
		engaged = engaged[:top]
	}
	r.Engaged = engaged
	for _, id := range order {
		if ids[id] {
			continue
		}
		if x, ok := disc[id]; ok && x.Replies > 0 {
			continue // replied to before the week's count: it was opened
		}
		r.Unopened = append(r.Unopened, *posted[id])
	}
	if team != "" && day.Team == "" {
		day.Team = team
	}
	return day, nil
}

// recapTitle is "Weekly recap · 21–28 November".
// foldTwins counts a paper known under several ids (a trending page's
// paper posted under its title id, saved or discussed under its arXiv id
// once the index merged the two: paper.Aliases) once: under the id this
// channel posted it as, else under its id in the index. Replies add up;
// a person who reacted or saved under both ids counts once.
func (d *Service) foldTwins(ctx context.Context, posted map[string]*RecapPaper, replies map[string]int, people, savers map[string]map[string]bool) {
	under := map[string]string{} // the paper's id in the index → the id it is counted under
	rep := func(id string) string {
		p, err := d.cfg.Searcher.Lookup(ctx, id)
		if err != nil || len(p.Aliases) == 0 {
			return id
		}
		if r, ok := under[p.ID]; ok {
			return r
		}
		r := p.ID
		for _, x := range p.IDs() {
			if posted[x] != nil {
				r = x
				break
			}
		}
		under[p.ID] = r
		return r
	}
	seen := map[string]string{}
	repOf := func(id string) string {
		if r, ok := seen[id]; ok {
			return r
		}
		seen[id] = rep(id)
		return seen[id]
	}
	for id, n := range replies {
		if r := repOf(id); r != id {
			delete(replies, id)
			replies[r] += n
		}
	}
	for _, set := range []map[string]map[string]bool{people, savers} {
		for id, users := range set {
			r := repOf(id)
			if r == id {
				continue
			}
			delete(set, id)
			if set[r] == nil {
				set[r] = map[string]bool{}
			}
			for u := range users {
				set[r][u] = true
			}
		}
	}
}

func recapTitle(r *Recap, zone string) string {
	from, to := inZone(r.From, zone), inZone(r.To, zone)
	span := from.Format("2 January") + "–" + to.Format("2 January")
	if from.Month() == to.Month() {
		span = from.Format("2") + "–" + to.Format("2 January")
	}
	return "Weekly recap · " + span
}

// RecapMessage is the one message of a week's recap. A platform whose
// limits it exceeds (50 blocks on Slack, 10 embeds on Discord) splits it.
func RecapMessage(day Day, command string) bot.Message {
	r := day.Recap
	title := recapTitle(r, day.Zone)
	m := bot.Message{Kind: bot.KindDigestHeader, Title: title}
	where := Subscription{Channel: day.Channel, ChannelName: day.ChannelName}.Where()
	switch {
	case len(r.Engaged) > 0:
		m.Intro = fmt.Sprintf("What the team of %s engaged with most over the past 7 days:", where)
	default:
		m.Intro = fmt.Sprintf("Nobody in %s replied to, reacted to or saved a paper over the past 7 days.", where)
	}
	var text []string
	for i, p := range r.Engaged {
		sec := bot.Section{PaperID: p.ID, Title: fmt.Sprintf("%d. %s", i+1, p.Title), Summary: bot.Plain(p.CountLine())}
		if p.URL != "" {
			sec.Links = []bot.Link{{Label: "Thread", URL: p.URL}}
		}
		m.Sections = append(m.Sections, sec)
		text = append(text, p.Title+" ("+p.CountLine()+")")
	}
	if r.More > 0 {
		m.Sections = append(m.Sections, bot.Section{Summary: bot.Plain(fmt.Sprintf("…and %s more the team engaged with.", bot.Plural(r.More, "paper")))})
	}
	if n := len(r.Unopened); n > 0 {
		m.Sections = append(m.Sections, bot.Section{Title: fmt.Sprintf("Posted, nobody opened (%d)", n),
			Summary: bot.Plain("No reply, reaction or save yet: worth a look?")})
		for _, p := range r.Unopened {
			sec := bot.Section{PaperID: p.ID, Title: p.Title}
			if !p.Posted.IsZero() {
				sec.Summary = bot.Plain("posted " + inZone(p.Posted, day.Zone).Format("Monday"))
			}
			if p.URL != "" {
				sec.Links = []bot.Link{{Label: "Thread", URL: p.URL}}
			}
			m.Sections = append(m.Sections, sec)
		}
		text = append(text, fmt.Sprintf("posted, nobody opened: %d", n))
	}
	cmd := "/" + command
	m.Footer = fmt.Sprintf("Weekly recap · %s digest preview weekly shows the next one · %s unsubscribe weekly stops it", cmd, cmd)
	m.Text = title + ": " + bot.Truncate(strings.Join(text, "; "), 600)
	return m
}

// RecapPreviewMessage renders the preview of a weekly recap.
func RecapPreviewMessage(pv Preview, command string) bot.Message {
	r := pv.Day.Recap
	if r.Empty() {
		from := "the past 7 days"
		if r != nil {
			from = "since " + inZone(r.From, pv.Sub.Zone).Format("Mon 2 Jan 15:04")
		}
		text := fmt.Sprintf("The week is empty: no digest posted here and nobody engaged with a paper %s. An empty week posts nothing; the next recap is due %s.",
			from, pv.Due.Format("Mon 2 Jan 15:04 MST"))
		return bot.Message{Kind: bot.KindNotice, Ephemeral: true, Text: text, Intro: text}
	}
	m := RecapMessage(pv.Day, command)
	m.Ephemeral = true
	m.Title = "Preview: " + m.Title
	if pv.Resuming {
		m.Title += " (being posted)"
	}
	m.Footer = "Preview only: nothing was posted. Due " + pv.Due.Format("Mon 2 Jan 15:04 MST") + "; counts as of now."
	m.Text = "Preview: " + m.Text
	return m
}

// previewRecap is what a weekly recap would post now: the week being
// posted, or else the recap of the week up to now.
func (d *Service) previewRecap(ctx context.Context, s Subscription) (Preview, error) {
	now := d.cfg.Clock.Now()
	loc, err := d.zone(s.Zone)
	if err != nil {
		return Preview{}, err
	}
	last, ok, err := d.cfg.Store.LastDay(ctx, s.Platform, s.Channel)
	if err != nil {
		return Preview{}, err
	}
	if ok && last.Status == DayOpen && last.Recap != nil && last.Header.Pending() && !last.Header.Uncertain() {
		return Preview{Sub: s, Date: last.Date, Due: last.Due.In(loc), Day: last, Resuming: true}, nil
	}
	o, err := d.currentRun(ctx, s, now)
	if err != nil {
		return Preview{}, err
	}
	day, err := d.planRecap(ctx, s, o, now)
	if err != nil {
		return Preview{}, err
	}
	return Preview{Sub: s, Date: o.Date, Due: o.Due.In(loc), Day: day}, nil
}

// describeWeekly is "Fridays at 09:00 Europe/Berlin".
func describeWeekly(s Subscription) string {
	day := "Fridays"
	for d := time.Sunday; d <= time.Saturday; d++ {
		if s.Days != schedule.EveryDay && s.Days.Has(d) {
			day = d.String() + "s"
			break
		}
	}
	return day + " at " + s.Time + " " + s.Zone
}
