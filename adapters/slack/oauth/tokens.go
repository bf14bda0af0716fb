package oauth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/paperbot/paperbot/bot/digest"
	"github.com/paperbot/paperbot/bot/fault"
	"github.com/paperbot/paperbot/bot/install"
)

// BotToken returns the workspace's bot token. A rotating token that
// expires within refreshMargin is renewed first (oauth.v2.access with the
// refresh token) and the new pair stored; a token sealed by a previous
// key is sealed again with the current one. An unknown workspace gives
// install.ErrNotInstalled; credentials no configured key opens give
// install.ErrUnreadable.
func (s *Service) BotToken(ctx context.Context, team string) (string, error) {
	in, c, err := s.open(ctx, team)
	if err != nil {
		return "", err
	}
	if in.ExpiresAt.IsZero() || s.opts.Clock.Now().Add(refreshMargin).Before(in.ExpiresAt) {
		return c.BotToken, nil
	}
	return s.refresh(ctx, team)
}

// open reads and opens a workspace's credentials.
func (s *Service) open(ctx context.Context, team string) (install.Installation, install.Credentials, error) {
	in, ok, err := s.opts.Store.Installation(ctx, platform, team)
	if err != nil {
		return in, install.Credentials{}, err
	}
	if !ok {
		return in, install.Credentials{}, fmt.Errorf("slack workspace %s: %w", team, install.ErrNotInstalled)
	}
	c, stale, err := s.opts.Keyring.Open(platform, team, in.Sealed)
	if err != nil {
		return in, c, fmt.Errorf("slack workspace %s: %w", team, err)
	}
	if stale {
		// Rotated key: seal it again with the current one (Rekey does
		// the same for every workspace at start-up).
		if err := s.store(ctx, in, c, secondsLeft(in, s.opts.Clock.Now()), s.opts.Clock.Now()); err != nil {
			s.log.WarnContext(ctx, "slack workspace: sealing again with the current key failed", "team", team, "err", err)
		}
	}
	return in, c, nil
}

// refresh renews a workspace's rotating token, one refresh at a time per
// workspace in this process (a second caller finds the new token).
func (s *Service) refresh(ctx context.Context, team string) (string, error) {
	mu, _ := s.refreshing.LoadOrStore(team, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	in, c, err := s.open(ctx, team)
	if err != nil {
		return "", err
	}
	now := s.opts.Clock.Now()
	if in.ExpiresAt.IsZero() || now.Add(refreshMargin).Before(in.ExpiresAt) {
		return c.BotToken, nil // another caller renewed it
	}
	res, err := slackgo.RefreshOAuthV2TokenContext(ctx, s.opts.HTTPClient, s.opts.ClientID, s.opts.ClientSecret.Value(), c.RefreshToken, s.oauthOptions()...)
	if err == nil && res.AccessToken == "" {
		err = errors.New("no access token in the answer")
	}
	if err != nil {
		reason := slackReason(err)
		s.log.WarnContext(ctx, "slack token refresh failed", "team", team, "expires_at", in.ExpiresAt, "reason", reason)
		if now.Before(in.ExpiresAt) {
			return c.BotToken, nil // still valid; the next call tries again
		}
		return "", fault.Wrap(fault.Transient, fmt.Errorf("slack workspace %s: the bot token expired and its refresh failed (%s)", team, reason), "Slack did not renew this workspace's token")
	}
	if res.RefreshToken != "" {
		c.RefreshToken = res.RefreshToken
	}
	c.BotToken = res.AccessToken
	if err := s.store(ctx, in, c, res.ExpiresIn, now); err != nil {
		// The old refresh token may be spent: keep using the new access
		// token for now and say so.
		s.log.ErrorContext(ctx, "slack token refreshed but not stored", "team", team, "err", err)
		return c.BotToken, nil
	}
	s.log.InfoContext(ctx, "slack token refreshed", "team", team, "expires_in_s", res.ExpiresIn)
	return c.BotToken, nil
}

// Uninstalled forgets a workspace that uninstalled the app or revoked its
// token: its installation (so that nothing is posted there with the
// token) and the digest subscriptions its channels made from chat. The
// subscriptions of the configuration file there are the operator's: they
// stay, and the digest skips their days (bot.TeamChecker) until the
// workspace installs the app again. Deleted, they came back at the next
// start, and then failed every day.
func (s *Service) Uninstalled(ctx context.Context, team string) error {
	found, err := s.opts.Store.DeleteInstallation(ctx, platform, team)
	if err != nil {
		return err
	}
	n, kept := 0, 0
	if s.opts.Subscriptions != nil {
		subs, err := s.opts.Subscriptions.Subscriptions(ctx)
		if err != nil {
			return err
		}
		for _, sub := range subs {
			if sub.Platform != platform || sub.Team != team {
				continue
			}
			if sub.Source == digest.SourceConfig {
				kept++
				continue
			}
			if _, err := s.opts.Subscriptions.DeleteSubscription(ctx, sub.Platform, sub.Channel); err != nil {
				return err
			}
			n++
		}
	}
	s.log.InfoContext(ctx, "slack workspace uninstalled", "team", team, "had_installation", found, "subscriptions_deleted", n, "config_subscriptions_kept", kept)
	return nil
}

// Rekey seals every installation sealed by a previous key again with the
// current key, so the previous key can be removed from the configuration.
// It returns how many it sealed again; installations no key opens are
// counted in the error, and left as they are.
func (s *Service) Rekey(ctx context.Context) (int, error) {
	all, err := s.opts.Store.Installations(ctx, platform)
	if err != nil {
		return 0, err
	}
	n, unreadable := 0, 0
	now := s.opts.Clock.Now()
	for _, in := range all {
		c, stale, err := s.opts.Keyring.Open(platform, in.Team, in.Sealed)
		if err != nil {
			unreadable++
			continue
		}
		if !stale {
			continue
		}
		if err := s.store(ctx, in, c, secondsLeft(in, now), now); err != nil {
			return n, err
		}
		n++
	}
	if unreadable > 0 {
		return n, fmt.Errorf("%d of %d Slack installations cannot be decrypted with the configured keys (sealed by a key that is not configured): those workspaces must install paperbot again", unreadable, len(all))
	}
	return n, nil
}

// secondsLeft is the life left of a rotating token (0: it does not rotate),
// to seal it again with the same expiry.
func secondsLeft(in install.Installation, now time.Time) int {
	if in.ExpiresAt.IsZero() {
		return 0
	}
	return max(int(in.ExpiresAt.Sub(now).Seconds()), 1)
}
