// Package install holds what paperbot keeps about each workspace that
// installed the app through OAuth ("Add to Slack"): the Installation
// record the state stores keep, and the Keyring that seals its credentials
// (AES-256-GCM) before they reach a store.
//
// A store never sees a token: it keeps Installation.Sealed, ciphertext
// whose additional data is the platform and the team id, so a row copied
// under another team does not open.
package install

import (
	"errors"
	"fmt"
	"time"
)

// Installation is one workspace's install of the app.
type Installation struct {
	// Platform is "slack".
	Platform string `json:"platform"`
	// Team is the workspace's team id (T…).
	Team     string `json:"team"`
	TeamName string `json:"team_name,omitempty"`
	// Enterprise is the Enterprise Grid org id, when there is one.
	Enterprise string `json:"enterprise,omitempty"`
	AppID      string `json:"app_id,omitempty"`
	// BotUserID is the bot's user id in that workspace.
	BotUserID string `json:"bot_user_id,omitempty"`
	// Scopes are the bot scopes granted, comma separated.
	Scopes string `json:"scopes,omitempty"`
	// InstalledBy is the user id of who installed it.
	InstalledBy string    `json:"installed_by,omitempty"`
	InstalledAt time.Time `json:"installed_at"`
	// Sealed is the workspace's credentials (Credentials), sealed by a
	// Keyring for this platform and team: never the tokens themselves.
	Sealed []byte `json:"sealed"`
	// ExpiresAt is when the bot token expires (token rotation); zero when
	// it does not.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// Check reports what is missing from a record before it is stored.
func (in Installation) Check() error {
	switch {
	case in.Platform == "":
		return errors.New("installation: no platform")
	case in.Team == "":
		return errors.New("installation: no team id")
	case len(in.Sealed) == 0:
		return fmt.Errorf("installation of %s %s: no sealed credentials", in.Platform, in.Team)
	}
	return nil
}

// Credentials are what Installation.Sealed holds once opened.
type Credentials struct {
	// BotToken is the xoxb- (or, with rotation, xoxe.xoxb-) bot token.
	BotToken string `json:"bot_token"`
	// RefreshToken renews BotToken before ExpiresAt (token rotation).
	RefreshToken string `json:"refresh_token,omitempty"`
}

// String hides the tokens from fmt.
func (c Credentials) String() string { return "[redacted]" }

// GoString hides the tokens from %#v.
func (c Credentials) GoString() string { return "[redacted]" }

// ErrNotInstalled is returned for a workspace that has no installation.
var ErrNotInstalled = errors.New("the app is not installed in this workspace")
