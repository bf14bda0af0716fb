package main

import "context"

// slackPlatform builds the Slack adapter when Slack is configured.
func slackPlatform(ctx context.Context, d platformDeps) (*platform, error) {
	if d.app.cfg.Slack == nil {
		return nil, nil
	}
	return nil, errNotYet("slack")
}
