package digest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/paperbot/paperbot/bot"
)

// A subscription from the configuration file may leave its team out (team:
// or guild:): a Slack install in one workspace, a Discord channel. Its
// channel's team is asked of the platform's adapter (bot.TeamFinder) once
// the adapters run, and stored, so that /papers subscriptions in that
// workspace or server lists it like the subscriptions made there.

// teamLookupTimeout bounds the team look-ups of one listing: the
// platform's answer to /papers subscriptions must not wait on them.
const teamLookupTimeout = 3 * time.Second

// errNoTeams is teamOf's answer for a platform without teams (the console).
var errNoTeams = errors.New("the platform has no workspaces")

// ResolveTeams gives each subscription without a team the team of its
// channel, asked of the platform's adapter, and stores it. A channel whose
// team cannot be found is logged (with the channel) and keeps none:
// Subscriptions asks again when it lists, and an adapter in one workspace
// (bot.TeamFinder's OneTeam) lists it there anyway. paperbot serve calls
// it once the adapters run; the stored team is kept by later starts
// (FromConfig), so a restart asks nothing.
func (d *Service) ResolveTeams(ctx context.Context) error {
	all, err := d.cfg.Store.Subscriptions(ctx)
	if err != nil {
		return err
	}
	changed := false
	for _, s := range all {
		if s.Team != "" {
			continue
		}
		team, err := d.teamOf(ctx, s)
		if errors.Is(err, errNoTeams) {
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if d.oneTeam(s.Platform) {
				// Listed wherever it is asked (placeTeam).
				d.log.WarnContext(ctx, "digest subscription without team: its channel's workspace could not be found", "platform", s.Platform, "channel", PostChannel(s.Channel), "source", s.Source, "err", err)
				continue
			}
			d.log.ErrorContext(ctx, d.unplaced(s, err), "platform", s.Platform, "channel", PostChannel(s.Channel), "source", s.Source)
			continue
		}
		stored, err := d.storeTeam(ctx, s, team)
		if err != nil {
			return err
		}
		changed = changed || stored
	}
	if changed {
		d.notify()
	}
	return nil
}

// unplaced is the operator's message about a subscription whose channel's
// workspace or server could not be found (err): where the configuration
// file has it, what it means (a Discord bot removed from the server: its
// digest cannot post, and no server's /papers subscriptions lists it)
// and what to do.
func (d *Service) unplaced(s Subscription, err error) string {
	at := ""
	if d.cfg.ConfigLine != nil && s.Source == SourceConfig {
		at = d.cfg.ConfigLine(s.Platform, s.Channel)
	}
	if at == "" {
		at = "digest subscription"
	}
	team, key := "workspace", "team:"
	if s.Platform == "discord" {
		team, key = "server", "guild:"
	}
	return fmt.Sprintf("%s: %s channel %s: its %s could not be found (%v); no %s's /%s subscriptions lists it, and if the bot was removed from the %s or the channel deleted, its digest cannot be posted. Add the bot to the %s again, give the subscription its %s, or remove it",
		at, s.Platform, PostChannel(s.Channel), team, err, team, d.cfg.CommandName, team, team, key)
}

// teamOf asks the platform's adapter for the team of a subscription's
// channel: errNoTeams when the platform has none.
func (d *Service) teamOf(ctx context.Context, s Subscription) (string, error) {
	p := d.cfg.Poster(s.Platform)
	if p == nil {
		if s.Platform == "console" {
			return "", errNoTeams
		}
		return "", errors.New("the platform is not running")
	}
	tf, ok := p.(bot.TeamFinder)
	if !ok {
		return "", errNoTeams
	}
	team, err := tf.ChannelTeam(ctx, PostChannel(s.Channel))
	if err == nil && team == "" {
		err = errors.New("the platform gave no team")
	}
	return team, err
}

// oneTeam reports whether the platform's adapter posts in one workspace.
func (d *Service) oneTeam(platform string) bool {
	tf, ok := d.cfg.Poster(platform).(bot.TeamFinder)
	return ok && tf.OneTeam()
}

// storeTeam stores team as the team of s's channel, unless the stored
// subscription changed meanwhile (it has a team, or is gone).
func (d *Service) storeTeam(ctx context.Context, s Subscription, team string) (bool, error) {
	cur, had, err := d.cfg.Store.Subscription(ctx, s.Platform, s.Channel)
	if err != nil || !had || cur.Team != "" {
		return false, err
	}
	cur.Team = team
	if err := d.cfg.Store.PutSubscription(ctx, cur); err != nil {
		return false, err
	}
	d.log.InfoContext(ctx, "digest subscription placed in its workspace", "platform", s.Platform, "channel", PostChannel(s.Channel), "team", team)
	return true, nil
}

// placeTeam is the team a subscription without one is listed under when
// team asks: its channel's, asked of the adapter now (and stored), or,
// when the adapter cannot tell but posts in one workspace, team's; "" when
// it cannot be placed (logged).
func (d *Service) placeTeam(ctx context.Context, s Subscription, team string) string {
	found, err := d.teamOf(ctx, s)
	switch {
	case errors.Is(err, errNoTeams):
		return ""
	case err == nil:
		if _, serr := d.storeTeam(ctx, s, found); serr != nil {
			d.log.WarnContext(ctx, "digest: storing a subscription's team", "platform", s.Platform, "channel", PostChannel(s.Channel), "team", found, "err", serr)
		}
		return found
	case d.oneTeam(s.Platform):
		return team
	}
	d.log.WarnContext(ctx, "not listed: "+d.unplaced(s, err), "platform", s.Platform, "channel", PostChannel(s.Channel), "asked_by_team", team)
	return ""
}
