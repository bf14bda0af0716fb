package main

import "context"

// discordPlatform builds the Discord adapter when Discord is configured.
func discordPlatform(ctx context.Context, d platformDeps) (*platform, error) {
	if d.app.cfg.Disc == nil {
		return nil, nil
	}
	return nil, errNotYet("discord")
}
