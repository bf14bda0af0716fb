package main

import (
	"context"

	"github.com/paperbot/paperbot/bot"
)

// setupSources prepares the configured paper sources: the arXiv fetcher for
// `show` of unknown ids (bc.Fetcher) and the refresh jobs (a.jobs).
func setupSources(ctx context.Context, a *app, bc *bot.Config) error { return nil }
